-- wrk script: PUT a body of N bytes to each presigned path of a file in
-- turn (bench/presign_puts.py makes them), so every request writes a new
-- key.  Use with wrk -t1 (one Lua state walks the list).
--
--   wrk -t1 -cC -dD -s put.lua URL -- PATHS-FILE BYTES

local paths = {}
local body
local i = 0

function init(args)
    for line in io.lines(args[1]) do
        paths[#paths + 1] = line
    end
    body = string.rep("x", tonumber(args[2]))
end

function request()
    i = i + 1
    return wrk.format("PUT", paths[(i - 1) % #paths + 1], nil, body)
end
