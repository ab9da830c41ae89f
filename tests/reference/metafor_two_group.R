#!/usr/bin/env Rscript
# Reference values for the two-group effect sizes (mecfs_evidence.meta.two_group), the SMD
# conversions (mecfs_evidence.meta.conversions) and the pooled / subgroup results built on them,
# computed with metafor 3.8-1.
#
#   Rscript tests/reference/metafor_two_group.R      (run from the repository root)
#
# Writes tests/reference/metafor_two_group.json only (metafor's NA is written as null). Every input is stored in that JSON too,
# under the column names of the command-line input files (study,m1,sd1,n1,m2,sd2,n2 /
# study,t,n1,n2 / study,events1,total1,events2,total2), so the Python tests need neither R nor
# CSV files. Needs: metafor (>= 3.8), metadat, jsonlite.
#
# Datasets: dat.normand1999 (SMD, MD), dat.bcg (RR, OR, RD; subgroups by allocation),
# dat.hine1989 (RD), a small hand-made set with zero cells including one double-zero study and
# one study where every participant of a group had the event ("zeros2"), and a set of reported
# two-sample t statistics (SMD via escalc(ti =)).
#
# Tolerances: as in metafor_reference.R, the fits use control=list(threshold=1e-12, tol=1e-12,
# maxiter=10000) and confint(..., control=list(tol=1e-12)) so that metafor's own stopping rules
# (REML threshold 1e-5, uniroot tol ~1e-4) do not limit the 1e-6 comparison in Python.
suppressPackageStartupMessages({
  library(metafor)
  library(metadat)
  library(jsonlite)
})
stopifnot(packageVersion("metafor") >= "3.8")
here <- "tests/reference"
ctrl <- list(threshold = 1e-12, tol = 1e-12, maxiter = 10000, stepadj = 1)
num <- function(x) if (is.null(x) || length(x) == 0 || is.na(x[1])) NULL else unname(as.numeric(x[1]))

## ---- input datasets (CLI column names) ----------------------------------------------------------
continuous <- list(
  normand1999 = data.frame(study = paste(dat.normand1999$study, dat.normand1999$source),
                           m1 = dat.normand1999$m1i, sd1 = dat.normand1999$sd1i,
                           n1 = dat.normand1999$n1i, m2 = dat.normand1999$m2i,
                           sd2 = dat.normand1999$sd2i, n2 = dat.normand1999$n2i)
)
binary <- list(
  bcg = data.frame(study = paste(dat.bcg$author, dat.bcg$year),
                   events1 = dat.bcg$tpos, total1 = dat.bcg$tpos + dat.bcg$tneg,
                   events2 = dat.bcg$cpos, total2 = dat.bcg$cpos + dat.bcg$cneg,
                   alloc = as.character(dat.bcg$alloc)),
  hine1989 = data.frame(study = paste(dat.hine1989$study, dat.hine1989$source),
                        events1 = dat.hine1989$ai, total1 = dat.hine1989$n1i,
                        events2 = dat.hine1989$ci, total2 = dat.hine1989$n2i),
  # Hand-made: Z1 zero events in group 1, Z2 zero in group 2, Z3 double zero (kept: drop00=FALSE),
  # Z4 no zero cell, Z5 every participant of group 1 had the event (non-event cell is zero),
  # Z6 no zero cell.
  zeros2 = data.frame(study = c("Z1", "Z2", "Z3", "Z4", "Z5", "Z6"),
                      events1 = c(0, 2, 0, 5, 10, 3), total1 = c(10, 20, 12, 25, 10, 15),
                      events2 = c(3, 0, 0, 8, 7, 3), total2 = c(11, 18, 13, 25, 12, 15))
)
tstats <- data.frame(study = c("T1", "T2", "T3", "T4", "T5", "T6"),
                     t = c(2.1, -1.0, 0.35, 3.4, -2.5, 0),
                     n1 = c(10, 12, 30, 8, 45, 20), n2 = c(11, 13, 28, 9, 40, 21))

## ---- escalc ----------------------------------------------------------------------------------------
escalcs <- list()
add_es <- function(dataset, measure, es, note = NULL) {
  escalcs[[length(escalcs) + 1]] <<- list(dataset = dataset, measure = measure, note = note,
                                          yi = as.numeric(es$yi), vi = as.numeric(es$vi))
  es
}
es_all <- list()
d <- continuous$normand1999
for (measure in c("SMD", "MD")) {
  es_all[[paste("normand1999", measure)]] <- add_es("normand1999", measure,
    escalc(measure, m1i = d$m1, sd1i = d$sd1, n1i = d$n1, m2i = d$m2, sd2i = d$sd2, n2i = d$n2))
}
for (nm in names(binary)) {
  d <- binary[[nm]]
  for (measure in c("RR", "OR", "RD")) {
    # metafor 3.8 defaults: add = 1/2, to = "only0", drop00 = FALSE (also for RD).
    es_all[[paste(nm, measure)]] <- add_es(nm, measure,
      escalc(measure, ai = d$events1, n1i = d$total1, ci = d$events2, n2i = d$total2))
  }
}
es_all[["tstats SMD"]] <- add_es("tstats", "SMD",
  escalc("SMD", ti = tstats$t, n1i = tstats$n1, n2i = tstats$n2), note = "escalc(ti=, n1i=, n2i=)")
# SMD from t computed on normand1999: t from the means and pooled SD must give the same g as the means.
d <- continuous$normand1999
sp <- sqrt(((d$n1 - 1) * d$sd1^2 + (d$n2 - 1) * d$sd2^2) / (d$n1 + d$n2 - 2))
normand_t <- (d$m1 - d$m2) / (sp * sqrt(1 / d$n1 + 1 / d$n2))
invisible(add_es("normand1999_t", "SMD", escalc("SMD", ti = normand_t, n1i = d$n1, n2i = d$n2),
       note = "escalc(ti=) with t computed from the normand1999 means and pooled SDs"))

## ---- non-default options (escalc only; not pooled) ---------------------------------------------
options_es <- list()
add_opt <- function(dataset, measure, args, es) {
  options_es[[length(options_es) + 1]] <<- c(list(dataset = dataset, measure = measure),
    args, list(yi = as.numeric(es$yi), vi = as.numeric(es$vi)))
}
d <- continuous$normand1999
for (vt in c("UB", "LS2", "AV")) add_opt("normand1999", "SMD", list(vtype = vt),
  escalc("SMD", m1i = d$m1, sd1i = d$sd1, n1i = d$n1, m2i = d$m2, sd2i = d$sd2, n2i = d$n2, vtype = vt))
add_opt("normand1999", "MD", list(vtype = "HO"),
  escalc("MD", m1i = d$m1, sd1i = d$sd1, n1i = d$n1, m2i = d$m2, sd2i = d$sd2, n2i = d$n2, vtype = "HO"))
d <- binary$zeros2
for (vt in c("UB", "AV")) add_opt("zeros2", "RD", list(vtype = vt),
  escalc("RD", ai = d$events1, n1i = d$total1, ci = d$events2, n2i = d$total2, vtype = vt))
for (measure in c("RR", "OR", "RD")) {
  for (to in c("all", "if0all")) add_opt("zeros2", measure, list(to = to),
    escalc(measure, ai = d$events1, n1i = d$total1, ci = d$events2, n2i = d$total2, to = to))
  add_opt("zeros2", measure, list(drop00 = TRUE),
    escalc(measure, ai = d$events1, n1i = d$total1, ci = d$events2, n2i = d$total2, drop00 = TRUE))
}
# Without a correction a zero cell makes log RR / log OR infinite (metafor recodes to NA), so
# add = 0 is checked for RD only.
add_opt("zeros2", "RD", list(add = 0),
  escalc("RD", ai = d$events1, n1i = d$total1, ci = d$events2, n2i = d$total2, add = 0))
add_opt("zeros2", "RD", list(vtype = "AV", drop00 = TRUE),
  escalc("RD", ai = d$events1, n1i = d$total1, ci = d$events2, n2i = d$total2, vtype = "AV", drop00 = TRUE))

## ---- conversions that go through escalc(ti =) ------------------------------------------------
# F with 1 numerator df and a sign, and a two-sided p value with a sign: t = sign * sqrt(F) and
# t = sign * qt(1 - p/2, n1 + n2 - 2) (Cochrane Handbook 6.5.2.3 / v5.1 7.7.3.3), then escalc(ti=).
conv_f <- data.frame(f = c(4.41, 1.0, 11.56, 0.1225), sign = c(1, -1, 1, -1),
                     n1 = c(10, 12, 8, 30), n2 = c(11, 13, 9, 28))
conv_p <- data.frame(p = c(0.049, 0.32, 0.008, 0.9, 1), sign = c(1, -1, 1, -1, 1),
                     n1 = c(10, 12, 25, 30, 20), n2 = c(11, 13, 22, 28, 21))
ef <- escalc("SMD", ti = conv_f$sign * sqrt(conv_f$f), n1i = conv_f$n1, n2i = conv_f$n2)
ep <- escalc("SMD", ti = conv_p$sign * qt(1 - conv_p$p / 2, conv_p$n1 + conv_p$n2 - 2),
             n1i = conv_p$n1, n2i = conv_p$n2)
conversions <- list(
  smd_from_f = c(as.list(conv_f), list(yi = as.numeric(ef$yi), vi = as.numeric(ef$vi))),
  smd_from_p = c(as.list(conv_p), list(t = conv_p$sign * qt(1 - conv_p$p / 2, conv_p$n1 + conv_p$n2 - 2),
                                       yi = as.numeric(ep$yi), vi = as.numeric(ep$vi)))
)

## ---- rma: REML / DL / PM x z / knha ------------------------------------------------------------
fit_case <- function(dataset, measure, yi, vi, method, test) {
  res <- rma(yi, vi, method = method, test = test, control = ctrl)
  pr <- predict(res)
  out <- list(dataset = dataset, measure = measure, method = method, test = test,
              k = res$k, estimate = num(res$b), se = num(res$se),
              ci_low = num(res$ci.lb), ci_high = num(res$ci.ub),
              pi_low = num(pr$pi.lb), pi_high = num(pr$pi.ub),
              tau2 = num(res$tau2), i2 = num(res$I2), h2 = num(res$H2),
              q = num(res$QE), q_df = res$k - 1, q_p = num(res$QEp),
              weights = unname(as.numeric(weights(res))))
  ci <- confint(res, control = list(tol = 1e-12, maxiter = 10000))$random
  out$tau2_ci_low <- num(ci["tau^2", "ci.lb"]); out$tau2_ci_high <- num(ci["tau^2", "ci.ub"])
  out$i2_ci_low <- num(ci["I^2(%)", "ci.lb"]); out$i2_ci_high <- num(ci["I^2(%)", "ci.ub"])
  out
}
cases <- list()
for (key in names(es_all)) {
  es <- es_all[[key]]
  parts <- strsplit(key, " ")[[1]]
  for (method in c("REML", "DL", "PM")) for (test in c("z", "knha")) {
    cases[[length(cases) + 1]] <- fit_case(parts[1], parts[2], es$yi, es$vi, method, test)
  }
}

## ---- subgroups: dat.bcg log RR by allocation -----------------------------------------------------
bcg <- es_all[["bcg RR"]]
alloc <- binary$bcg$alloc
levels_alloc <- sort(unique(alloc))
subgroup_cases <- list()
for (method in c("REML", "DL", "PM")) {
  per_test <- list()
  for (test in c("z", "knha")) {
    m <- rma(bcg$yi, bcg$vi, mods = ~ factor(alloc), method = method, test = test, control = ctrl)
    subs <- lapply(levels_alloc, function(g) {
      s <- rma(bcg$yi[alloc == g], bcg$vi[alloc == g], method = method, test = test, control = ctrl)
      list(subgroup = g, k = s$k, estimate = num(s$b), se = num(s$se),
           ci_low = num(s$ci.lb), ci_high = num(s$ci.ub), tau2 = num(s$tau2))
    })
    per_test[[test]] <- list(m = m, subs = subs)
  }
  # RevMan / Cochrane test for subgroup differences: separate tau2 per subgroup, Q between the
  # subgroup estimates with their z-based SEs, chi-square with L - 1 df. Computed here as the Q
  # of a common-effect model fitted to the subgroup estimates.
  zsubs <- per_test[["z"]]$subs
  between <- rma(sapply(zsubs, `[[`, "estimate"), sei = sapply(zsubs, `[[`, "se"), method = "EE")
  for (test in c("z", "knha")) {
    m <- per_test[[test]]$m
    subgroup_cases[[length(subgroup_cases) + 1]] <- list(
      dataset = "bcg", measure = "RR", subgroup_column = "alloc", method = method, test = test,
      formula = "rma(yi, vi, mods = ~ factor(alloc))",
      moderator_test = list(statistic = num(m$QM), df1 = num(m$QMdf[1]),
                            df2 = if (test == "z") NULL else num(m$QMdf[2]), p = num(m$QMp)),
      moderator_tau2 = num(m$tau2),
      subgroups = per_test[[test]]$subs,
      subgroup_test = list(q = num(between$QE), df = between$k - 1, p = num(between$QEp)))
  }
}

out <- list(
  generated_by = "tests/reference/metafor_two_group.R",
  metafor_version = as.character(packageVersion("metafor")),
  r_version = paste(R.version$major, R.version$minor, sep = "."),
  escalc_defaults = list(add = 0.5, to = "only0", drop00 = FALSE, vtype = "LS"),
  control = ctrl,
  inputs = list(continuous = continuous, binary = binary, tstats = tstats,
                normand1999_t = data.frame(study = continuous$normand1999$study, t = normand_t,
                                           n1 = continuous$normand1999$n1,
                                           n2 = continuous$normand1999$n2)),
  escalc = escalcs, escalc_options = options_es, conversions = conversions, cases = cases, subgroups = subgroup_cases)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, null = "null", na = "null", pretty = TRUE,
                  dataframe = "columns"),
           file.path(here, "metafor_two_group.json"))
cat("wrote", length(escalcs), "escalc sets,", length(cases), "rma cases,",
    length(subgroup_cases), "subgroup cases\n")
