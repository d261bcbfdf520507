/* paylater checkout widget.
 *
 *   Paylater.init({client_token: "..."});
 *   Paylater.load("#paylater", {payment_method_category: "pay_in_3"});
 *   Paylater.authorize({payment_method_category: "pay_in_3"}).then(function (result) {
 *     // result.approved, result.authorization_token, result.show_form
 *   });
 *
 * The plans and the shopper's sign-in run in frames served by paylater; the outcome comes back
 * as a postMessage from paylater's origin only.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var base = script ? new URL(script.src).origin : window.location.origin;
  var state = {clientToken: null, overlay: null, pending: null};

  function frameUrl(category, summary) {
    var params = new URLSearchParams({embed: "1", origin: window.location.origin});
    if (category) { params.set("category", category); }
    if (summary) { params.set("view", "summary"); }
    return base + "/checkout/" + encodeURIComponent(state.clientToken) + "?" + params.toString();
  }

  function element(container) {
    return typeof container === "string" ? document.querySelector(container) : container;
  }

  function init(options) {
    if (!options || !options.client_token) { throw new Error("paylater: client_token is required"); }
    state.clientToken = options.client_token;
  }

  function load(container, options, callback) {
    if (!state.clientToken) { throw new Error("paylater: call init() first"); }
    if (container && !container.nodeType && typeof container !== "string") {
      callback = options; options = container; container = options.container;
    }
    var target = element(container);
    var frame = document.createElement("iframe");
    frame.src = frameUrl(options && options.payment_method_category, true);
    frame.title = "paylater";
    frame.className = "paylater-frame";
    frame.style.cssText = "width:100%;border:0;min-height:200px";
    target.innerHTML = "";
    target.appendChild(frame);
    if (callback) { frame.addEventListener("load", function () { callback({show_form: true}); }); }
  }

  function closeOverlay() {
    if (state.overlay) { state.overlay.remove(); state.overlay = null; }
  }

  function finish(result) {
    var pending = state.pending;
    state.pending = null;
    closeOverlay();
    if (pending) {
      if (pending.callback) { pending.callback(result); }
      pending.resolve(result);
    }
  }

  function authorize(options, data, callback) {
    if (!state.clientToken) { throw new Error("paylater: call init() first"); }
    if (typeof data === "function") { callback = data; }
    closeOverlay();
    var overlay = document.createElement("div");
    overlay.className = "paylater-overlay";
    overlay.setAttribute("role", "dialog");
    overlay.setAttribute("aria-modal", "true");
    overlay.setAttribute("aria-label", "paylater");
    overlay.style.cssText = "position:fixed;inset:0;background:rgba(10,20,40,.55);z-index:2147483000;" +
      "display:flex;align-items:center;justify-content:center";
    var box = document.createElement("div");
    box.style.cssText = "background:#fff;border-radius:12px;width:min(520px,96vw);height:min(760px,94vh);" +
      "position:relative;overflow:hidden";
    var close = document.createElement("button");
    close.type = "button";
    close.textContent = "\u00d7";
    close.setAttribute("aria-label", "Close");
    close.style.cssText = "position:absolute;top:6px;right:10px;border:0;background:none;font-size:26px;cursor:pointer";
    close.addEventListener("click", function () { finish({approved: false, show_form: true, cancelled: true}); });
    var frame = document.createElement("iframe");
    frame.src = frameUrl(options && options.payment_method_category, false);
    frame.title = "paylater checkout";
    frame.name = "paylater-checkout";
    frame.style.cssText = "width:100%;height:100%;border:0";
    box.appendChild(frame);
    box.appendChild(close);
    overlay.appendChild(box);
    document.body.appendChild(overlay);
    state.overlay = overlay;
    return new Promise(function (resolve) {
      state.pending = {resolve: resolve, callback: callback};
    });
  }

  window.addEventListener("message", function (event) {
    if (event.origin !== base || !event.data || typeof event.data !== "object") { return; }
    if (event.data.type === "paylater:result") {
      finish({
        approved: !!event.data.approved,
        authorization_token: event.data.authorization_token || null,
        fraud_status: event.data.fraud_status || null,
        show_form: event.data.show_form !== false,
        cancelled: !!event.data.cancelled
      });
    } else if (event.data.type === "paylater:resize") {
      var frames = document.querySelectorAll("iframe.paylater-frame");
      for (var i = 0; i < frames.length; i++) {
        if (frames[i].contentWindow === event.source) { frames[i].style.height = event.data.height + "px"; }
      }
    }
  });

  var api = {init: init, load: load, authorize: authorize};
  window.Paylater = api;
  window.Paylater.Payments = api;
})();
