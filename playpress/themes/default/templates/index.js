(function () {
  // Search and filters over the rows already on the page; a page of rows at a time, so that an
  // index of 2,000 groups opens at once on a phone. Without script every row is shown.
  var PAGE = 100;
  var form = document.getElementById("filters");
  var list = document.getElementById("group-list");
  if (!form || !list) return;
  var rows = Array.prototype.slice.call(list.children);
  var more = document.getElementById("more");
  var shown = document.getElementById("shown");
  var limit = PAGE;
  var texts = rows.map(function (row) { return row.getAttribute("data-text").toLowerCase(); });
  function apply() {
    var q = form.q.value.trim().toLowerCase();
    var playbook = form.playbook.value, tag = form.tag.value, person = form.person.value;
    var matching = 0, visible = 0;
    rows.forEach(function (row, i) {
      var ok = (!q || texts[i].indexOf(q) >= 0)
        && (!playbook || row.getAttribute("data-playbook") === playbook)
        && (!tag || row.getAttribute("data-tags").indexOf("|" + tag + "|") >= 0)
        && (!person || row.getAttribute("data-people").indexOf("|" + person + "|") >= 0);
      if (ok) matching++;
      var show = ok && matching <= limit;
      if (show) visible++;
      row.hidden = !show;
    });
    more.hidden = matching <= limit;
    shown.textContent = matching ? shown.getAttribute("data-text").replace("{shown}", visible).replace("{n}", matching)
                                 : shown.getAttribute("data-none");
  }
  form.hidden = false;
  form.addEventListener("input", function () { limit = PAGE; apply(); });
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  more.addEventListener("click", function () { limit += PAGE; apply(); });
  var wanted = new URLSearchParams(location.search);  // index.html?tag=杭州 opens filtered
  ["q", "playbook", "tag", "person"].forEach(function (name) { if (wanted.get(name)) form[name].value = wanted.get(name); });
  apply();
})();
