-- run_collector.lua COLLECTOR - what prometheus-node-exporter-lua does with a
-- collector, for tests: output(), metric() with its "# TYPE" line and
-- label-value samples, then the collector's scrape().
function output(line)
  io.write(line, "\n")
end

function metric(name, mtype, labels, value)
  output("# TYPE " .. name .. " " .. mtype)
  local function sample(l, v)
    local parts = {}
    for k, x in pairs(l or {}) do
      table.insert(parts, k .. '="' .. x .. '"')
    end
    table.sort(parts)
    output(name .. (#parts > 0 and ("{" .. table.concat(parts, ",") .. "}") or "") .. " " .. tostring(v))
  end
  if value then
    sample(labels, value)
  end
  return sample
end

local c = dofile(arg[1])
c.scrape()
