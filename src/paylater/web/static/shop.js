/* The demo shop's checkout: paylater's widget shows the chosen plan; "Buy" authorizes. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("shop-config").textContent);
  Paylater.init({client_token: config.client_token});
  function chosen() {
    var input = document.querySelector("input[name=category]:checked");
    return input ? input.value : null;
  }
  function show() { if (chosen()) { Paylater.load("#paylater-widget", {payment_method_category: chosen()}); } }
  document.querySelectorAll("input[name=category]").forEach(function (input) {
    input.addEventListener("change", show);
  });
  show();
  var form = document.getElementById("place-order");
  var status = document.getElementById("shop-status");
  document.getElementById("buy").addEventListener("click", function () {
    status.textContent = "";
    Paylater.authorize({payment_method_category: chosen()}).then(function (result) {
      if (result.approved && result.authorization_token) {
        form.elements.authorization_token.value = result.authorization_token;
        form.submit();
      } else if (!result.cancelled) {
        status.textContent = config.declined_text;
      }
    });
  });
})();
