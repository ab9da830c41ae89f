#!/usr/bin/env Rscript
# Reference values for mecfs_evidence.meta, computed with metafor 3.8-1.
#
#   Rscript tests/reference/metafor_reference.R      (run from the repository root)
#
# Writes the input datasets tests/reference/*.csv (two are taken from the public `metadat`
# package, the rest are small hand-made sets with known edge cases) and the reference values
# tests/reference/metafor.json. The Python tests read only the CSV and JSON files, so CI does not
# need R. Needs: metafor (3.8), metadat, lme4 (for rma.glmm), jsonlite.
#
# Tolerances: metafor's own defaults stop REML iterations at threshold 1e-5, Paule-Mandel's
# uniroot at tol ~1e-4 and confint()'s Q-profile uniroot at tol ~1.2e-4, all coarser than the
# 1e-6 the Python tests demand. The fits below therefore use control=list(threshold=1e-12,
# tol=1e-12, maxiter=10000) and confint(..., control=list(tol=1e-12)); this changes nothing but
# the number of iterations. rma.glmm() is left at its defaults (lme4::glmer, nAGQ = 7), and the
# Python GLMM is compared to 1e-3 relative.
suppressPackageStartupMessages({
  library(metafor)
  library(metadat)
  library(jsonlite)
})
stopifnot(packageVersion("metafor") >= "3.8")
here <- "tests/reference"

## ---- input datasets -------------------------------------------------------------------------
counts <- list(
  blog = data.frame(study = c("Study A", "Study B", "Study C"),
                    events = c(18, 20, 14), total = c(30, 50, 20)),
  debruin2009 = data.frame(study = paste(dat.debruin2009$author, dat.debruin2009$year),
                           events = dat.debruin2009$xi, total = dat.debruin2009$ni),
  pritz1997 = data.frame(study = as.character(dat.pritz1997$authors),
                         events = dat.pritz1997$xi, total = dat.pritz1997$ni),
  zeros = data.frame(study = c("Z1", "Z2", "Z3", "Z4", "Z5", "Z6"),
                     events = c(0, 3, 12, 7, 0, 9), total = c(15, 20, 12, 25, 8, 9)),
  k2 = data.frame(study = c("First", "Second"), events = c(5, 12), total = c(20, 30)),
  homogeneous = data.frame(study = c("H1", "H2", "H3", "H4", "H5"),
                           events = c(20, 41, 19, 30, 21), total = c(50, 100, 50, 75, 50))
)
bcg <- escalc("RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
generic <- list(
  bcg_logrr = data.frame(study = paste(bcg$author, bcg$year), yi = as.numeric(bcg$yi),
                         vi = as.numeric(bcg$vi))
)
for (nm in names(counts)) write.csv(counts[[nm]], file.path(here, paste0(nm, ".csv")), row.names = FALSE)
for (nm in names(generic)) write.csv(generic[[nm]], file.path(here, paste0(nm, ".csv")), row.names = FALSE)

## ---- helpers ------------------------------------------------------------------------------------
ctrl <- list(threshold = 1e-12, tol = 1e-12, maxiter = 10000, stepadj = 1)
num <- function(x) if (is.null(x) || length(x) == 0 || is.na(x[1])) NULL else unname(as.numeric(x[1]))

fit_case <- function(dataset, measure, yi, vi, method, test) {
  res <- rma(yi, vi, method = method, test = test, control = ctrl)
  pr <- predict(res)
  out <- list(dataset = dataset, measure = measure, method = method, test = test,
              k = res$k, estimate = num(res$b), se = num(res$se),
              ci_low = num(res$ci.lb), ci_high = num(res$ci.ub),
              pi_low = num(pr$pi.lb), pi_high = num(pr$pi.ub),
              tau2 = num(res$tau2), i2 = num(res$I2), h2 = num(res$H2),
              q = num(res$QE), q_df = res$k - 1, q_p = num(res$QEp),
              yi = as.numeric(yi), vi = as.numeric(vi),
              weights = unname(as.numeric(weights(res))))
  if (method != "FE") {
    ci <- confint(res, control = list(tol = 1e-12, maxiter = 10000))$random
    out$tau2_ci_low <- num(ci["tau^2", "ci.lb"]); out$tau2_ci_high <- num(ci["tau^2", "ci.ub"])
    out$i2_ci_low <- num(ci["I^2(%)", "ci.lb"]); out$i2_ci_high <- num(ci["I^2(%)", "ci.ub"])
    out$h2_ci_low <- num(ci["H^2", "ci.lb"]); out$h2_ci_high <- num(ci["H^2", "ci.ub"])
  }
  out
}

cases <- list(); loo <- list(); glmms <- list(); escalcs <- list()
for (nm in names(counts)) {
  d <- counts[[nm]]
  for (measure in c("PLO", "PAS", "PR")) {
    es <- escalc(measure, xi = d$events, ni = d$total)
    escalcs[[length(escalcs) + 1]] <- list(dataset = nm, measure = measure,
                                           yi = as.numeric(es$yi), vi = as.numeric(es$vi))
    for (method in c("FE", "REML", "PM", "DL")) for (test in c("z", "knha")) {
      if (method == "FE" && test == "knha") next  # metafor warns: KnHa is not meant for FE models
      cases[[length(cases) + 1]] <- fit_case(nm, measure, es$yi, es$vi, method, test)
    }
  }
  es <- escalc("PLO", xi = d$events, ni = d$total)
  res <- rma(yi, vi, data = es, method = "REML", test = "knha", control = ctrl)
  l1 <- leave1out(res)
  loo[[length(loo) + 1]] <- list(dataset = nm, measure = "PLO", method = "REML", test = "knha",
    estimate = as.numeric(l1$estimate), se = as.numeric(l1$se),
    ci_low = as.numeric(l1$ci.lb), ci_high = as.numeric(l1$ci.ub),
    q = as.numeric(l1$Q), q_p = as.numeric(l1$Qp), tau2 = as.numeric(l1$tau2),
    i2 = as.numeric(l1$I2), h2 = as.numeric(l1$H2))
  g <- rma.glmm(measure = "PLO", xi = d$events, ni = d$total)
  gp <- predict(g)
  glmms[[length(glmms) + 1]] <- list(dataset = nm, model = g$model, k = g$k,
    estimate = num(g$b), se = num(g$se), ci_low = num(g$ci.lb), ci_high = num(g$ci.ub),
    pi_low = num(gp$pi.lb), pi_high = num(gp$pi.ub), tau2 = num(g$tau2),
    i2 = num(g$I2), h2 = num(g$H2), q_wald = num(g$QE.Wld), q_wald_p = num(g$QEp.Wld),
    q_lrt = num(g$QE.LRT), q_lrt_p = num(g$QEp.LRT))
}
for (nm in names(generic)) {
  d <- generic[[nm]]
  for (method in c("FE", "REML", "PM", "DL")) for (test in c("z", "knha")) {
    if (method == "FE" && test == "knha") next
    cases[[length(cases) + 1]] <- fit_case(nm, "GEN", d$yi, d$vi, method, test)
  }
}

## ---- edge cases (issue 12) -----------------------------------------------------------------
# metafor with its DEFAULT control, as a user would run it, plus its restricted log-likelihood.
# The Python tests (tests/test_pooling_edges.py) show where the engine finds a higher maximum.
edge <- list()
edge_fit <- function(name, yi, vi, note) {
  r <- suppressWarnings(rma(yi, vi, method = "REML"))
  ci <- suppressWarnings(confint(r))$random
  list(name = name, note = note, yi = as.numeric(yi), vi = as.numeric(vi), tau2 = num(r$tau2),
       estimate = num(r$b), se = num(r$se), loglik = num(logLik(r)),
       tau2_ci_low = num(ci["tau^2", "ci.lb"]), tau2_ci_high = num(ci["tau^2", "ci.ub"]),
       tau2_max = max(100, 10 * r$tau2))
}
es1 <- escalc("PLO", xi = c(0, 3, 5, 12, 7), ni = c(12, 15, 20, 12, 30))
edge[[1]] <- edge_fit("plo_two_maxima", es1$yi, es1$vi,
  "Fisher scoring reaches tau2 = 1.96; metafor compares with tau2 = 0, warns and keeps 0 (the global maximum)")
edge[[2]] <- edge_fit("generic_two_maxima", c(-1.740, 2.471, 1.318, -0.435, 2.060, -1.681, -0.907),
  c(0.0081, 5.89, 17.28, 4.82, 0.837, 0.0113, 4.15),
  "metafor returns tau2 = 0, a lower local maximum; the global maximum is near tau2 = 2.44")
edge[[3]] <- edge_fit("qprofile_capped", c(0, 300), c(1, 1),
  "metafor's Q-profile upper bound stops at tau2.max = max(100, 10 tau2) and prints '>'")
g0 <- tryCatch(rma.glmm(measure = "PLO", xi = c(0, 0, 0), ni = c(10, 20, 5)), error = function(e) conditionMessage(e))
edge_glmm_all_zero <- if (is.character(g0)) g0 else "fitted"

out <- list(
  generated_by = "tests/reference/metafor_reference.R",
  metafor_version = as.character(packageVersion("metafor")),
  lme4_version = as.character(packageVersion("lme4")),
  r_version = paste(R.version$major, R.version$minor, sep = "."),
  control = ctrl,
  escalc = escalcs, cases = cases, leave1out = loo, glmm = glmms, edge = edge,
  edge_glmm_all_zero = edge_glmm_all_zero)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, null = "null", pretty = TRUE),
           file.path(here, "metafor.json"))
cat("wrote", length(cases), "rma cases,", length(glmms), "glmm fits,", length(loo), "leave1out sets\n")
