// MathJax configuration for pymdownx.arithmatex (generic mode): \( \) inline, \[ \] display.
// MathJax itself is bundled (javascripts/mathjax/tex-svg.js, SVG output without web fonts):
// pages render their formulas offline, e.g. on a government intranet.
window.MathJax = {
  tex: {
    inlineMath: [["\\(", "\\)"]],
    displayMath: [["\\[", "\\]"]],
    processEscapes: true,
    processEnvironments: true
  },
  options: {
    ignoreHtmlClass: ".*|",
    processHtmlClass: "arithmatex"
  }
};

document$.subscribe(() => {
  if (window.MathJax && MathJax.typesetPromise) {
    MathJax.startup.output.clearCache();
    MathJax.typesetClear();
    MathJax.texReset();
    MathJax.typesetPromise();
  }
});
