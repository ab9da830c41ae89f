/* A click or tap on a figure opens it full size: each figure image in a page's content is
   wrapped in a link to the image file (keyboard reachable; the image's alt text names it).
   Images that already sit in a link are left alone. */
document.addEventListener("DOMContentLoaded", function () {
  var imgs = document.querySelectorAll(".bd-article .cell_output img, .bd-article figure img, .bd-article img.mecfs-figure");
  imgs.forEach(function (img) {
    if (img.closest("a")) { return; }
    var link = document.createElement("a");
    link.href = img.currentSrc || img.src;
    link.className = "mecfs-zoom";
    link.title = "Open the figure full size";
    img.parentNode.insertBefore(link, img);
    link.appendChild(img);
  });
});

/* A stackable table (mecfs-stack) that would scroll sideways in its column is shown as cards
   instead (CSS: table.mecfs-cards, wider screens only; phones always stack). Measured on load,
   on resize and when a closed toggle opens; a hidden table is left as it is. */
(function () {
  function fit() {
    document.querySelectorAll("table.mecfs-stack").forEach(function (t) {
      if (!t.getClientRects().length) { return; }
      var box = t.closest(".mecfs-table-wrap") || t.parentElement;
      t.classList.remove("mecfs-cards");
      if (t.scrollWidth > box.clientWidth + 1) { t.classList.add("mecfs-cards"); }
    });
  }
  var timer = null;
  document.addEventListener("DOMContentLoaded", function () {
    fit();
    document.querySelectorAll("details").forEach(function (d) { d.addEventListener("toggle", fit); });
  });
  window.addEventListener("resize", function () { clearTimeout(timer); timer = setTimeout(fit, 150); });
})();
