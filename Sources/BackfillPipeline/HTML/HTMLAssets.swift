extension HTML {
    /// The page's style: light and dark (`prefers-color-scheme`), eight series colours that read in both.
    static let css = #"""
        :root{--bg:#fff;--fg:#1c1e21;--muted:#5f6670;--line:#d8dce0;--card:#f5f7f9;--accent:#0b63c4;
        --bad:#b3261e;--ok:#1b7f3b;--warn:#8a5a00;
        --c0:#3266cc;--c1:#e08a00;--c2:#2e9e5b;--c3:#c23b6b;--c4:#7a52c7;--c5:#00838f;--c6:#8d6e63;--c7:#6b7280}
        @media (prefers-color-scheme: dark){:root{--bg:#15171a;--fg:#e6e8eb;--muted:#a0a7b0;--line:#343a40;
        --card:#1f2328;--accent:#6aa8ff;--bad:#ff8a80;--ok:#6fdc8c;--warn:#ffc857;
        --c0:#6d9eff;--c1:#ffb34d;--c2:#5fd08f;--c3:#ff7aa8;--c4:#b493ff;--c5:#4dd0e1;--c6:#c8a79a;--c7:#a3abb8}}
        *{box-sizing:border-box}body{margin:0;background:var(--bg);color:var(--fg);
        font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
        main{max-width:1100px;margin:0 auto;padding:24px}h1{font-size:1.6em;margin:0 0 4px}
        h2{font-size:1.2em;margin:32px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
        h3{font-size:1em;margin:16px 0 6px}.meta{color:var(--muted);margin:0 0 16px}.meta code{color:var(--fg)}
        nav a{color:var(--accent);margin-right:12px}
        .stats{display:flex;flex-wrap:wrap;gap:10px;margin:12px 0}.stat{background:var(--card);
        border:1px solid var(--line);border-radius:8px;padding:8px 14px;min-width:120px}
        .stat .num{display:block;font-size:1.5em;font-weight:600}.stat .label{color:var(--muted);font-size:.9em}
        .stat.bad .num{color:var(--bad)}.stat.ok .num{color:var(--ok)}
        .outcome{border-left:4px solid var(--accent);background:var(--card);padding:10px 14px;margin:12px 0}
        .outcome.bad{border-color:var(--bad)}.outcome.ok{border-color:var(--ok)}.outcome.warn{border-color:var(--warn)}
        code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.92em}
        .scroll{overflow-x:auto}table{border-collapse:collapse;width:100%;margin:8px 0}
        th,td{border-bottom:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
        th{cursor:pointer;user-select:none;white-space:nowrap}th[aria-sort=ascending]::after{content:" ▲"}
        th[aria-sort=descending]::after{content:" ▼"}.n{text-align:right;font-variant-numeric:tabular-nums}
        td{word-break:break-word}tfoot td{color:var(--muted);font-style:italic}caption{text-align:left;color:var(--muted)}
        figure{margin:8px 0}svg.chart{width:100%;height:220px;display:block;background:var(--card);border-radius:6px}
        figcaption{color:var(--muted);font-size:.9em}.grid{stroke:var(--line);stroke-width:1}
        .axis{fill:var(--muted);font-size:11px}.mark:hover{opacity:.75}
        .s0{fill:var(--c0);background:var(--c0)}.s1{fill:var(--c1);background:var(--c1)}
        .s2{fill:var(--c2);background:var(--c2)}.s3{fill:var(--c3);background:var(--c3)}
        .s4{fill:var(--c4);background:var(--c4)}.s5{fill:var(--c5);background:var(--c5)}
        .s6{fill:var(--c6);background:var(--c6)}.s7{fill:var(--c7);background:var(--c7)}
        .legend{list-style:none;padding:0;margin:6px 0;display:flex;flex-wrap:wrap;gap:12px;font-size:.9em}
        .swatch{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:5px;vertical-align:-1px}
        details{margin:4px 0 12px}summary{cursor:pointer;color:var(--accent)}
        .reason{border:1px solid var(--line);border-radius:6px;padding:6px 12px;margin:8px 0}
        .reason h3{margin:4px 0}.reason ul{margin:4px 0;padding-left:20px}.reason li{margin:2px 0}
        .where{color:var(--muted)}.hidden{display:none}
        input[type=search]{font:inherit;padding:6px 10px;width:min(480px,100%);background:var(--bg);color:var(--fg);
        border:1px solid var(--line);border-radius:6px}
        footer{margin-top:40px;color:var(--muted);font-size:.85em}
        """#

    /// The page's behaviour: sorting tables by their headings, filtering the reasons. No rendering depends on it:
    /// everything is in the page already.
    static let script = #"""
        (function(){
          "use strict";
          function key(cell, numeric){
            var v = cell.getAttribute("data-v");
            if (v === null) v = cell.textContent;
            return numeric ? parseFloat(v.replace(/,/g, "")) || 0 : v.toLowerCase();
          }
          function sortBy(th){
            var table = th.closest("table"), body = table.tBodies[0];
            var column = Array.prototype.indexOf.call(th.parentNode.children, th);
            var numeric = th.getAttribute("data-type") === "num";
            var ascending = th.getAttribute("aria-sort") !== "ascending";
            if (numeric && !th.hasAttribute("aria-sort")) ascending = false;
            var rows = Array.prototype.slice.call(body.rows);
            rows.sort(function(a, b){
              var x = key(a.cells[column], numeric), y = key(b.cells[column], numeric);
              var order = x < y ? -1 : x > y ? 1 : 0;
              return ascending ? order : -order;
            });
            table.querySelectorAll("th").forEach(function(h){ h.removeAttribute("aria-sort"); });
            th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
            rows.forEach(function(row){ body.appendChild(row); });
          }
          document.querySelectorAll("table.sortable th").forEach(function(th){
            th.addEventListener("click", function(){ sortBy(th); });
            th.addEventListener("keydown", function(e){
              if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sortBy(th); }
            });
          });
          var filter = document.getElementById("reason-filter");
          if (filter) {
            var shown = document.getElementById("reason-filter-count");
            var apply = function(){
              var q = filter.value.trim().toLowerCase(), examples = 0, total = 0;
              document.querySelectorAll(".reason").forEach(function(reason){
                var code = (reason.getAttribute("data-code") || "").toLowerCase();
                var codeMatches = q === "" || code.indexOf(q) >= 0;
                var any = false;
                reason.querySelectorAll("li.example").forEach(function(li){
                  total++;
                  var match = codeMatches || li.textContent.toLowerCase().indexOf(q) >= 0;
                  li.classList.toggle("hidden", !match);
                  if (match) { any = true; examples++; }
                });
                reason.classList.toggle("hidden", !(codeMatches || any));
              });
              if (shown) shown.textContent = examples + " of " + total + " examples shown";
            };
            filter.addEventListener("input", apply);
            apply();
          }
        })();
        """#
}
