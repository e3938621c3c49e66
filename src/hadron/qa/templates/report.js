// Hadron report: sample browser. Reads the rows embedded as JSON and shows one at a time.
// Every piece of row text goes through textContent (never innerHTML), so nothing in the data runs.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("rows-data").textContent);
  var select = document.getElementById("row-select");
  var view = document.getElementById("row-view");

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function add(parent) {
    for (var i = 1; i < arguments.length; i++) if (arguments[i]) parent.appendChild(arguments[i]);
    return parent;
  }
  function pretty(value) {
    if (value === null || value === undefined) return "";
    if (typeof value === "string") return value;
    return JSON.stringify(value, null, 2);
  }
  function block(title, text, cls) {
    var body = el("div", "body");
    if (text === null || text === undefined || text === "") add(body, el("span", "empty", "(none)"));
    else add(body, el("pre", null, pretty(text)));
    return add(el("div", "block" + (cls ? " " + cls : "")), el("div", "head", title), body);
  }
  function badge(text, cls) { return el("span", "badge" + (cls ? " " + cls : ""), text); }
  function meta(pairs) {
    var box = el("div", "meta");
    pairs.forEach(function (p) {
      if (p[1] === undefined || p[1] === null || p[1] === "") return;
      var span = el("span");
      add(span, el("b", null, p[0]), document.createTextNode(pretty(p[1])));
      add(box, span);
    });
    return box;
  }
  function table(columns, rows) {
    var t = el("table"), head = el("tr"), body = el("tbody");
    columns.forEach(function (c) { add(head, el("th", null, c)); });
    add(t, add(el("thead"), head), body);
    rows.forEach(function (r) {
      var tr = el("tr");
      r.forEach(function (cell) {
        var td = el("td");
        if (cell instanceof Node) td.appendChild(cell); else td.textContent = pretty(cell);
        add(tr, td);
      });
      add(body, tr);
    });
    return add(el("div", "table-wrap"), t);
  }
  function sourceText(src) {
    if (!src) return "";
    var s = src.candidate + " from pass " + src.pass;
    if (src.index !== null && src.index !== undefined) s += " (sample " + src.index + ")";
    return s;
  }

  function ballots(list) {
    if (!list || !list.length) return null;
    return table(["judge", "model", "permutation", "ranking (best first)", "valid", "asks", "error", "raw"],
      list.map(function (b) {
        var perm = Object.keys(b.permutation || {}).map(function (k) { return k + "→" + b.permutation[k]; }).join(", ");
        var raw = el("details", "raw");
        add(raw, el("summary", null, "show"), el("pre", null, b.raw || ""));
        if (b.reasoning) add(raw, el("pre", "muted", "reasoning: " + b.reasoning));
        return [b.judge, b.model, perm, (b.ranking || []).join(" > "),
                b.valid ? badge("valid", "win") : badge("invalid", "bad"), b.asks, b.error || "", raw];
      }));
  }

  function passView(p, last) {
    var details = el("details", "pass trace-pass");
    if (last) details.open = true;
    var summary = el("summary", null, "Pass " + p.pass + " · winner " + p.winner);
    if (p.borda) add(summary, badge("Borda " + Object.keys(p.borda).map(function (k) { return k + " " + p.borda[k]; }).join(" / ")));
    if (p.margin !== null && p.margin !== undefined) add(summary, badge("margin " + p.margin));
    if (p.void) add(summary, badge("void", "bad"));
    if (p.short_circuit) add(summary, badge("short-circuit", "warn"));
    var inner = el("div", "inner");
    add(details, summary, inner);
    if (p.critique) add(inner, block("Critique (" + (p.critique.model || "critic") + ")", p.critique.text));
    var cols = el("div", "cols");
    if (p.samples) {
      p.samples.forEach(function (text, i) {
        add(cols, block("Sample " + i, text, String(i) === String(p.winner) ? "winner" : ""));
      });
    } else {
      var inc = p.incumbent || {};
      add(cols, block("A · incumbent" + (inc.source ? " (" + sourceText(inc.source) + ")" : ""), inc.text,
                      p.winner === "A" ? "winner" : ""));
      if (p.b) add(cols, block("B · revision (" + (p.b.model || "") + ")", p.b.text, p.winner === "B" ? "winner" : ""));
      if (p.ab) add(cols, block("AB · " + (p.ab.mode || "synthesis") + " (" + (p.ab.model || "") + ")", p.ab.text,
                                p.winner === "AB" ? "winner" : ""));
    }
    add(inner, cols);
    var table_ = ballots(p.ballots);
    if (table_) add(inner, el("h3", null, "Ballots"), table_);
    return details;
  }

  function tournament(row) {
    var box = el("div");
    add(box, meta([["id", row.id], ["method", row.method], ["converged", row.converged], ["passes", row.passes],
                   ["final from", sourceText(row.final_source)], ["category", row.category]]));
    add(box, block("Prompt", row.prompt));
    add(box, block("Final text", row.generation, "final"));
    var trace = row.trace || [];
    if (trace.length) add(box, el("h3", null, "Trace (" + trace.length + " passes)"));
    trace.forEach(function (p, i) { add(box, passView(p, i === trace.length - 1)); });
    if (row.reasoning && row.reasoning.length) {
      var d = el("details", "pass");
      add(d, el("summary", null, "Reasoning traces (" + row.reasoning.length + ")"));
      var inner = add(el("div", "inner"));
      row.reasoning.forEach(function (r) { add(inner, block(r.role + " · pass " + r.pass, r.text)); });
      add(box, add(d, inner));
    }
    return box;
  }

  function agentic(row) {
    var box = el("div");
    var skip = { messages: 1, conversations: 1, conversation: 1, tools: 1, usage: 1 };
    var keys = Object.keys(row).filter(function (k) { return !skip[k]; });
    function short(v) { return v === null || typeof v !== "object" && String(v).length <= 80; }
    add(box, meta(keys.filter(function (k) { return short(row[k]); }).map(function (k) { return [k, row[k]]; })));
    keys.filter(function (k) { return !short(row[k]); }).forEach(function (k) {
      var d = el("details", "raw");
      add(d, el("summary", null, k), el("pre", null, pretty(row[k])));
      add(box, d);
    });
    var names = {};
    var line = el("div", "timeline");
    (row.messages || row.conversations || row.conversation || []).forEach(function (m, i) {
      var role = m.role || m.from || "?";
      var msg = el("div", "msg role-" + role);
      var title = "#" + i + " " + role;
      if (role === "tool") title += " ← " + (m.name || names[m.tool_call_id] || "") + (m.tool_call_id ? " [" + m.tool_call_id + "]" : "");
      add(msg, el("div", "head", title));
      var body = el("div", "body");
      var content = m.content !== undefined ? m.content : m.value;
      if (content) add(body, el("pre", null, pretty(content)));
      (m.tool_calls || []).forEach(function (c) {
        var fn = c["function"] || {};
        names[c.id] = fn.name;
        var call = el("div", "call");
        var args = fn.arguments;
        try { if (typeof args === "string") args = JSON.stringify(JSON.parse(args), null, 2); } catch (e) { /* keep raw */ }
        add(call, el("span", "fn", "→ " + (fn.name || c.name || "?")), document.createTextNode(" [" + (c.id || "") + "]"),
            el("pre", null, pretty(args)));
        add(body, call);
      });
      if (!body.childNodes.length) add(body, el("span", "empty", "(empty)"));
      add(line, add(msg, body));
    });
    add(box, line);
    if (row.tools) {
      var d = el("details", "raw");
      add(d, el("summary", null, "Tools (" + row.tools.length + ")"), el("pre", null, pretty(row.tools)));
      add(box, d);
    }
    return box;
  }

  function plain(row) {
    return table(["field", "value"], Object.keys(row).map(function (k) { return [k, row[k]]; }));
  }

  function show(index) {
    var item = data[index];
    view.textContent = "";
    if (!item) return;
    var render = { tournament: tournament, agentic: agentic, plain: plain }[item.view] || plain;
    view.appendChild(render(item.row));
    view.setAttribute("data-row-id", String(item.row.id));
  }
  function step(delta) {
    var i = Math.min(data.length - 1, Math.max(0, select.selectedIndex + delta));
    select.selectedIndex = i;
    show(i);
  }
  select.addEventListener("change", function () { show(select.selectedIndex); });
  document.getElementById("prev").addEventListener("click", function () { step(-1); });
  document.getElementById("next").addEventListener("click", function () { step(1); });
  show(0);
})();
