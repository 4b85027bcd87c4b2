-- ubus.lua - a stand-in for libubus-lua in tests: u:call("starfail", METHOD, params)
-- runs the rpcd plugin (starfailctl call METHOD) against the daemon at $SF_SOCK,
-- as rpcd does on a router, and decodes its JSON (lua-cjson; null -> absent).
local cjson = require "cjson"

local M = {}

local function strip_nulls(v)
  if v == cjson.null then
    return nil
  end
  if type(v) == "table" then
    for k, x in pairs(v) do
      v[k] = strip_nulls(x)
    end
  end
  return v
end

function M.connect()
  local conn = {}
  function conn:call(object, method, params)
    assert(object == "starfail")
    local tmp = os.tmpname()
    local f = assert(io.open(tmp, "w"))
    f:write(cjson.encode(params or {}))
    f:close()
    local p = io.popen(os.getenv("SF_CTL") .. " -s " .. os.getenv("SF_SOCK") .. " call " .. method .. " < " .. tmp)
    local out = p:read("*a")
    p:close()
    os.remove(tmp)
    local ok, v = pcall(cjson.decode, out)
    return ok and strip_nulls(v) or nil
  end
  function conn:close() end
  return conn
end

return M
