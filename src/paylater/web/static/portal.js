/* My paylater: show the card fields only when paying with a new card. */
(function () {
  "use strict";
  var select = document.getElementById("method_id");
  var fields = document.getElementById("new-card-fields");
  if (!select || !fields) { return; }
  function update() { fields.hidden = select.value !== "new"; }
  select.addEventListener("change", update);
  update();
})();
