(function () {
  "use strict";
  var form = document.getElementById("verdict-form");
  var reason = document.getElementById("reason");
  function typing(el) {
    return !!el && (el.tagName === "TEXTAREA" || (el.tagName === "INPUT" && el.type !== "radio" && el.type !== "hidden"));
  }
  function go(id) {
    var link = document.getElementById(id);
    if (link && link.href) { window.location.href = link.href; }
  }
  function choose(id) {
    var box = document.getElementById(id);
    if (box) { box.checked = true; }
    if (reason) { reason.focus(); }
  }
  document.addEventListener("keydown", function (ev) {
    var target = ev.target;
    if (ev.isComposing || ev.keyCode === 229) { return; }  // an input method is composing Japanese text
    if (ev.key === "Enter" && form && !ev.shiftKey && !ev.altKey) {
      if (target && target.tagName === "A") { return; }
      ev.preventDefault();
      if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
      return;
    }
    if (ev.ctrlKey || ev.metaKey || ev.altKey) { return; }
    if (ev.key === "Escape" && typing(target)) { target.blur(); return; }
    if (typing(target)) { return; }
    var actions = {
      p: function () { choose("v-pass"); },
      f: function () { choose("v-fail"); },
      r: function () { if (reason) { reason.focus(); } },
      j: function () { go("next"); },
      k: function () { go("prev"); },
      q: function () { go("to-queue"); }
    };
    var action = actions[ev.key];
    if (action) { ev.preventDefault(); action(); }
  });
}());
