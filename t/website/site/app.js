// Fetches a JSON object from another bucket through its S3 endpoint
// (path style, anonymous: the object is public-read) and writes its
// message into the page.  The page's origin is the website endpoint,
// http://<bucket>.website.<domain>:<port>/, so the browser sends the
// request with CORS and reads the answer only if that bucket's CORS
// rules allow this origin.  The S3 endpoint is taken to be <domain> on
// the same port, as `make run` serves them: <bucket>.website.localhost
// and localhost.  <body data-state> tells "loaded" or "failed" at the
// end.

(function () {
    "use strict";

    var el = document.getElementById("greeting");
    var host = location.hostname.replace(/^.*?\.website\./, "");
    var url = location.protocol + "//" + host
        + (location.port ? ":" + location.port : "") + "/" + el.dataset.src;

    fetch(url)
        .then(function (r) {
            if (!r.ok) {
                throw new Error("HTTP " + r.status);
            }
            return r.json();
        })
        .then(function (data) {
            el.textContent = data.message;
            document.body.dataset.state = "loaded";
        })
        .catch(function (e) {
            el.textContent = "Could not load " + url + ": " + e.message;
            el.className = "error";
            document.body.dataset.state = "failed";
        });
}());
