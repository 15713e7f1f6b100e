-- console.lua: helpers that GIsle Console installs in every isle it creates
-- (as the isle's "setup-code"). The console never touches the Lua C API:
-- whatever it needs to know about Lua values it asks these functions.
--
-- SPDX-License-Identifier: LGPL-2.1-or-later

local type, tostring, next, select, rawget, rawlen, pcall, getmetatable =
      type, tostring, next, select, rawget, rawlen, pcall, getmetatable
local format, concat, sort = string.format, table.concat, table.sort
local mtype = math.type

-- Caps keep a huge or deep value from producing megabytes of text.
local MAX_DEPTH, MAX_ITEMS, MAX_STRING, MAX_TOTAL = 8, 100, 4000, 5000
local MAX_SORTED_KEYS = 20000

local keywords = {}
for word in ([[and break do else elseif end false for function goto if in
               local nil not or repeat return then true until while]]):gmatch("%a+") do
  keywords[word] = true
end

local function is_identifier(s)
  return type(s) == "string" and s:match("^[%a_][%w_]*$") ~= nil and not keywords[s]
end

local escapes = { ["\n"] = "\\n", ["\t"] = "\\t", ["\r"] = "\\r",
                  ['"'] = '\\"', ["\\"] = "\\\\" }

local function quote(s)
  local cut = #s > MAX_STRING
  if cut then
    -- Cut on a character boundary, not inside a UTF-8 sequence.
    local n = MAX_STRING
    while n > 0 and (s:byte(n + 1) & 0xC0) == 0x80 do n = n - 1 end
    s = s:sub(1, n)
  end
  s = s:gsub('[%c"\\]', function(c) return escapes[c] or format("\\%d", c:byte()) end)
  -- Binary strings are escaped so that the rendering stays UTF-8 text.
  if utf8 and not utf8.len(s) then
    s = s:gsub("[\128-\255]", function(c) return format("\\%d", c:byte()) end)
  end
  return '"' .. s .. '"' .. (cut and "…" or "")
end

-- Keys sort by type first, so numbers and strings never get compared.
local function key_less(a, b)
  local ta, tb = type(a), type(b)
  if ta ~= tb then return ta < tb end
  if ta == "number" or ta == "string" then return a < b end
  return tostring(a) < tostring(b)
end

local repr

local function repr_table(v, indent, state, path, depth)
  if state.onpath[v] then
    return "<cycle: " .. state.onpath[v] .. ">"
  end
  local mt = getmetatable(v)
  if type(mt) == "table" and rawget(mt, "__tostring") ~= nil then
    local ok, s = pcall(tostring, v)
    if ok and type(s) == "string" then return s end
  end
  if depth >= MAX_DEPTH then return "{…}" end

  state.onpath[v] = path
  local inner = indent .. "  "
  local items, count = {}, 0
  local n = rawlen(v)
  for i = 1, n do
    if count >= MAX_ITEMS or state.total >= MAX_TOTAL then break end
    items[#items + 1] = repr(rawget(v, i), inner, state, path .. "[" .. i .. "]", depth + 1)
    count = count + 1
  end

  local keys, total = {}, n
  for k in next, v do
    if not (mtype(k) == "integer" and k >= 1 and k <= n) then
      total = total + 1
      if #keys < MAX_SORTED_KEYS then keys[#keys + 1] = k end
    end
  end
  sort(keys, key_less)
  for _, k in ipairs(keys) do
    if count >= MAX_ITEMS or state.total >= MAX_TOTAL then break end
    local key, kpath
    if is_identifier(k) then
      key, kpath = k, path .. "." .. k
    else
      local ks = type(k) == "string" and quote(k) or tostring(k)
      key, kpath = "[" .. ks .. "]", path .. "[" .. ks .. "]"
    end
    items[#items + 1] = key .. " = " .. repr(rawget(v, k), inner, state, kpath, depth + 1)
    count = count + 1
  end
  state.onpath[v] = nil

  if total > count then
    items[#items + 1] = format("…(%d more)", total - count)
  end
  if #items == 0 then return "{}" end
  local line = "{ " .. concat(items, ", ") .. " }"
  if #line <= 72 and not line:find("\n", 1, true) then return line end
  return "{\n" .. inner .. concat(items, ",\n" .. inner) .. "\n" .. indent .. "}"
end

function repr(v, indent, state, path, depth)
  state.total = state.total + 1
  local t = type(v)
  if t == "string" then return quote(v) end
  if t == "table" then return repr_table(v, indent, state, path, depth) end
  return tostring(v)
end

--- repr(value): a readable, Lua-like rendering of @value; tables are shown
--- nested, a table that contains itself is marked "<cycle: root.path>".
function _ENV.repr(v)
  return (repr(v, "", { onpath = {}, total = 0 }, "root", 0))
end

--- __console_show(...): how the REPL prints results: the number of values
--- and their renderings, separated by tabs as lua.c does.
function _ENV.__console_show(...)
  local n = select("#", ...)
  local parts = {}
  for i = 1, n do
    parts[i] = repr((select(i, ...)), "", { onpath = {}, total = 0 }, "root", 0)
  end
  return n, concat(parts, "\t")
end

local function add_names(t, partial, methods_only, seen, out)
  for _ = 1, 8 do  -- follow at most a few __index tables
    if type(t) ~= "table" then return end
    for k, val in next, t do
      if type(k) == "string" and not seen[k] and k:sub(1, #partial) == partial
         and is_identifier(k)
         and (partial:sub(1, 2) == "__" or k:sub(1, 2) ~= "__")
         and (not methods_only or type(val) == "function") then
        seen[k] = true
        out[#out + 1] = k
      end
    end
    local mt = getmetatable(t)
    t = type(mt) == "table" and rawget(mt, "__index") or nil
  end
end

--- __console_complete(text): the names that complete the expression at the
--- end of @text ("pri", "string.fo", "s:up"), one per line, sorted.
function _ENV.__console_complete(text)
  local expr = text:match("[%a_][%w_%.:]*$") or ""
  local base, sep, partial = expr:match("^(.*)([%.:])([%w_]*)$")
  local out, seen = {}, {}
  if not base then
    partial = expr
    add_names(_ENV, partial, false, seen, out)
    for word in next, keywords do
      if word:sub(1, #partial) == partial and not seen[word] then out[#out + 1] = word end
    end
  else
    local v = _ENV
    for name in base:gmatch("[^%.:]+") do
      if type(v) == "string" then v = string end
      if type(v) ~= "table" then return "" end
      v = rawget(v, name)
    end
    if type(v) == "string" then v = string end
    add_names(v, partial, sep == ":", seen, out)
  end
  sort(out)
  return concat(out, "\n")
end
