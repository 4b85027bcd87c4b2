-- starfail.lua - a collector for OpenWrt's prometheus-node-exporter-lua.
--
-- Install as /usr/lib/lua/prometheus-collectors/starfail.lua (needs
-- libubus-lua, and rpcd with the starfail plugin that the starfail package
-- installs), then /etc/init.d/prometheus-node-exporter-lua restart.
--
-- It reads `ubus call starfail status` and `ubus call starfail metrics
-- {"member": NAME}` for every member and writes what they hold under the
-- names starfaild's own endpoint uses (docs/PROMETHEUS.md): starfail_<path>
-- for the daemon, starfail_member_<path>{member="NAME"} per member, units
-- turned into base units by the key's suffix (_ms and _s -> _seconds,
-- _pct -> _ratio, _kb -> _bytes, _bps and _mbps -> _bits_per_second),
-- booleans 0/1, text as <name>_info{<key>="value"} 1. Without the metric
-- tables the daemon has, counters are told only by a name that ends in
-- _total; the others keep their plain name, typed gauge: use
-- prometheus_enable for exact names and types.
-- Unknown values (null) are no sample.

local ubus = require "ubus"

local units = {
  { "_ms", "_seconds", 0.001 }, { "_s", "_seconds", 1 }, { "_kb", "_bytes", 1024 },
  { "_pct", "_ratio", 0.01 }, { "_mbps", "_bits_per_second", 1e6 }, { "_bps", "_bits_per_second", 1 },
}

-- free text or labels already: a new series at every change (as the daemon skips them)
local skip = {
  ["reason_text"] = true, ["config.path"] = true, ["config.error"] = true,
  ["controller.state"] = true, ["controller.error"] = true, ["controller.drift"] = true,
  ["controller.last_repair.what"] = true, ["mqtt.last_error"] = true, ["prometheus.error"] = true,
  ["members"] = true, ["name"] = true, ["link.reason"] = true, ["probe.reason"] = true,
  ["starlink.last_error.message"] = true, ["starlink.last_history_error.message"] = true,
  ["starlink.last_device_info_error.message"] = true,
}

-- numbers in seconds whose key does not say so (Unix times, the dish's history counter)
local seconds = { ["since"] = true, ["fault_since"] = true, ["data_cycle_start"] = true, ["time"] = true, ["current"] = true }

local function base_unit(name, key)
  if key:sub(-3) == "_at" or seconds[key] then
    return name .. "_seconds", 1
  end
  for _, u in ipairs(units) do
    if name:sub(-#u[1]) == u[1] then
      return name:sub(1, -#u[1] - 1) .. u[2], u[3]
    end
  end
  return name, 1
end

local function escape(v)
  return (tostring(v):gsub("\\", "\\\\"):gsub("\"", "\\\""):gsub("\n", "\\n"))
end

-- families[name] = list of { labels, value }, order = names in first-seen order;
-- a second sample with the same labels (two keys that map to one name) is left out
local function add(fam, order, name, labels, value)
  if not fam[name] then
    fam[name] = { seen = {} }
    table.insert(order, name)
  end
  local parts = {}
  for k, v in pairs(labels) do table.insert(parts, k .. "=" .. v) end
  table.sort(parts)
  local key = table.concat(parts, ",")
  if not fam[name].seen[key] then
    fam[name].seen[key] = true
    table.insert(fam[name], { labels, value })
  end
end

local function with(labels, k, v)
  local l = {}
  for a, b in pairs(labels) do l[a] = b end
  l[k] = escape(v)
  return l
end

local function flatten(fam, order, prefix, path, obj, labels)
  local keys = {}
  for k in pairs(obj) do table.insert(keys, k) end
  table.sort(keys)
  for _, k in ipairs(keys) do
    local v = obj[k]
    local p = path == "" and k or (path .. "." .. k)
    local name = prefix .. "_" .. p:gsub("%.", "_")
    if not skip[p] then
      local t = type(v)
      if t == "number" then
        local n, scale = base_unit(name, k)
        add(fam, order, n, labels, v * scale)
      elseif t == "boolean" then
        add(fam, order, name, labels, v and 1 or 0)
      elseif t == "string" then
        add(fam, order, name .. "_info", with(labels, k, v), 1)
      elseif t == "table" and v[1] ~= nil then
        for _, s in ipairs(v) do
          if type(s) == "string" then
            add(fam, order, name .. "_info", with(labels, k, s), 1)
          end
        end
      elseif t == "table" then
        flatten(fam, order, prefix, p, v, labels)
      end
    end
  end
end

local function scrape()
  local u = ubus.connect()
  if not u then
    return
  end
  local status = u:call("starfail", "status", {})
  if type(status) ~= "table" or status.error then
    u:close()
    return
  end
  local fam, order = {}, {}
  flatten(fam, order, "starfail", "", status, {})
  for _, m in ipairs(status.members or {}) do
    if type(m) == "table" and type(m.name) == "string" then
      local detail = u:call("starfail", "metrics", { member = m.name })
      if type(detail) == "table" and not detail.error then
        flatten(fam, order, "starfail_member", "", detail, { member = escape(m.name) })
      end
    end
  end
  u:close()
  for _, name in ipairs(order) do
    -- names that end in _total are the daemon's counters
    local out = metric(name, name:sub(-6) == "_total" and "counter" or "gauge")
    for _, s in ipairs(fam[name]) do
      out(s[1], s[2])
    end
  end
end

return { scrape = scrape }
