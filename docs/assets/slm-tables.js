// Sort any table by clicking a header; filter its rows by typing. Our own code: no CDN, no framework.
(function () {
  "use strict";
  function cellValue(row, index) {
    var cell = row.cells[index];
    if (!cell) return "";
    var text = cell.textContent.trim();
    var number = parseFloat(text.replace(/[^0-9.eE+-]/g, ""));
    return /^[-+]?[0-9.]/.test(text) && !isNaN(number) && !/^\d{4}-\d{2}/.test(text) ? number : text.toLowerCase();
  }
  function sortBy(table, header, index) {
    var body = table.tBodies[0];
    if (!body) return;
    var ascending = header.getAttribute("aria-sort") !== "ascending";
    Array.prototype.forEach.call(header.parentNode.cells, function (th) { th.removeAttribute("aria-sort"); });
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = cellValue(a, index), y = cellValue(b, index);
      if (x === y) return 0;
      if (x === "\u2014" || x === "") return 1;
      if (y === "\u2014" || y === "") return -1;
      if (typeof x === typeof y) return (x < y ? -1 : 1) * (ascending ? 1 : -1);
      return (typeof x === "number" ? -1 : 1);
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }
  function addFilter(table) {
    var input = document.createElement("input");
    input.type = "search";
    input.className = "slm-filter";
    input.placeholder = "Filter rows…";
    input.setAttribute("aria-label", "Filter table rows");
    input.addEventListener("input", function () {
      var needle = input.value.trim().toLowerCase();
      Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
        row.hidden = needle !== "" && row.textContent.toLowerCase().indexOf(needle) === -1;
      });
    });
    var holder = table.closest(".md-typeset__scrollwrap") || table;
    holder.parentNode.insertBefore(input, holder);
  }
  function enhance(table) {
    if (table.dataset.slmReady || !table.tHead || !table.tBodies[0] || table.tBodies[0].rows.length < 2) return;
    table.dataset.slmReady = "1";
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
      th.classList.add("slm-sortable");
      th.setAttribute("tabindex", "0");
      th.setAttribute("title", "Sort by this column");
      th.addEventListener("click", function () { sortBy(table, th, index); });
      th.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); sortBy(table, th, index); }
      });
    });
    addFilter(table);
  }
  function run() { document.querySelectorAll("article table").forEach(enhance); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", run); else run();
})();
