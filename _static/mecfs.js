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
