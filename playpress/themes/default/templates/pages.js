(function () {
  // Pages stay the same bytes for the same inputs: "today" is the reader's, found here.
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  var now = new Date();
  var today = now.getFullYear() + "-" + pad(now.getMonth() + 1) + "-" + pad(now.getDate());
  var days = Array.prototype.slice.call(document.querySelectorAll("[data-date]"));
  var first = null;
  days.forEach(function (day) {
    if (day.getAttribute("data-date") === today) day.classList.add("is-today");
    if (first === null && day.getAttribute("data-date") >= today) first = day;
  });
  // sop.html's day index: today's date marked there too
  Array.prototype.forEach.call(document.querySelectorAll("[data-index-date]"), function (link) {
    if (link.getAttribute("data-index-date") === today) link.classList.add("is-today");
  });
  var jump = document.getElementById("jump-today");
  if (jump) {
    jump.hidden = false;
    jump.addEventListener("click", function (event) {
      event.preventDefault();
      (first || days[days.length - 1] || document.body).scrollIntoView({ block: "start" });
    });
  }
  // A group's home: today and the next two days, the rest one click away.
  var window3 = document.querySelector("[data-days-window]");
  if (window3 && days.length) {
    var limit = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 2);
    var last = limit.getFullYear() + "-" + pad(limit.getMonth() + 1) + "-" + pad(limit.getDate());
    var near = days.filter(function (d) { var v = d.getAttribute("data-date"); return v >= today && v <= last; });
    if (near.length) {
      var toggle = document.getElementById("all-days");
      var showing = false;
      var apply = function () {
        days.forEach(function (d) { d.hidden = !showing && near.indexOf(d) < 0; });
        if (toggle) toggle.textContent = showing ? toggle.getAttribute("data-fewer") : toggle.getAttribute("data-more");
      };
      if (toggle) {
        toggle.hidden = false;
        toggle.addEventListener("click", function () { showing = !showing; apply(); });
      }
      apply();
    }
  }
  // sop.html on a phone: each long copy folded to its first lines, a tap unfolds it (printing
  // and wide screens show it whole: the stylesheet folds only narrow screens).
  var sop = document.querySelector("main.sop[data-more]");
  if (sop && window.matchMedia && window.matchMedia("(max-width: 520px)").matches) {
    Array.prototype.forEach.call(sop.querySelectorAll(".copy"), function (copy) {
      copy.classList.add("folded");
      if (copy.scrollHeight <= copy.clientHeight + 2) { copy.classList.remove("folded"); return; }
      var toggle = document.createElement("button");
      toggle.type = "button";
      toggle.className = "unfold";
      toggle.textContent = sop.getAttribute("data-more");
      toggle.addEventListener("click", function () {
        var folded = copy.classList.toggle("folded");
        toggle.textContent = sop.getAttribute(folded ? "data-more" : "data-less");
      });
      copy.parentNode.insertBefore(toggle, copy.nextSibling);
    });
    // "same text as Dec 14" jumps to that day's copy: shown unfolded there
    Array.prototype.forEach.call(sop.querySelectorAll(".same a"), function (link) {
      link.addEventListener("click", function () {
        var target = document.getElementById(link.getAttribute("href").slice(1));
        var copy = target && target.querySelector(".copy.folded");
        var toggle = copy && copy.nextSibling;
        if (toggle && toggle.className === "unfold") toggle.click();
      });
    });
  }
  // Copy buttons: the text of the block they name.
  function copied(button) {
    var label = button.textContent;
    button.textContent = button.getAttribute("data-done");
    setTimeout(function () { button.textContent = label; }, 1500);
  }
  Array.prototype.forEach.call(document.querySelectorAll("button[data-copy]"), function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = document.getElementById(button.getAttribute("data-copy")).textContent;
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(function () { copied(button); });
        return;
      }
      var area = document.createElement("textarea");  // WeChat's browser, plain http
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      try { document.execCommand("copy"); copied(button); } finally { document.body.removeChild(area); }
    });
  });
})();
