/* Runs inside paylater's checkout frames: reports its height and the outcome to the page. */
(function () {
  "use strict";
  if (window.parent === window) { return; }
  function read(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }
  var origin = read("paylater-origin");
  var target = origin || (document.referrer ? new URL(document.referrer).origin : null);
  if (!target) { return; }
  function resize() {
    window.parent.postMessage({type: "paylater:resize", height: document.documentElement.scrollHeight}, target);
  }
  window.addEventListener("load", resize);
  resize();
  var result = read("paylater-result");
  if (result) {
    result.type = "paylater:result";
    setTimeout(function () { window.parent.postMessage(result, target); }, 600);
  }
})();
