#!/usr/bin/env Rscript
# metafor 3.8 on the seeded fuzz datasets (benchmarks/fuzz_datasets.json):
#   Rscript benchmarks/fuzz_metafor.R      (from the repository root; writes benchmarks/fuzz_metafor.json)
# For every dataset: rma(method = "REML") with metafor's DEFAULT control (what a user gets) and
# its restricted log-likelihood; for count datasets (PLO) also rma.glmm(measure = "PLO") with its
# defaults (lme4, nAGQ = 7). Failures (and runs over 30 s / 60 s) are recorded as the error message.
suppressPackageStartupMessages({ library(metafor); library(jsonlite) })
d <- fromJSON("benchmarks/fuzz_datasets.json", simplifyVector = TRUE)$datasets
num <- function(x) if (is.null(x) || length(x) == 0 || is.na(x[1])) NULL else unname(as.numeric(x[1]))
out <- list()
for (i in seq_len(nrow(d))) {
  s <- d[i, ]
  counts <- !is.null(s$events[[1]])
  if (counts) {
    es <- escalc("PLO", xi = s$events[[1]], ni = s$total[[1]]); yi <- es$yi; vi <- es$vi
  } else { yi <- s$yi[[1]]; vi <- s$vi[[1]] }
  rec <- list(id = s$id, kind = s$kind)
  cat(s$id, "\n")
  setTimeLimit(elapsed = 30, transient = TRUE)
  r <- tryCatch(suppressWarnings(rma(yi, vi, method = "REML")), error = function(e) conditionMessage(e))
  setTimeLimit(elapsed = Inf)
  if (is.character(r)) rec$reml_error <- r else {
    rec$reml <- list(tau2 = num(r$tau2), estimate = num(r$b), se = num(r$se), loglik = num(logLik(r)))
  }
  if (counts) {
    setTimeLimit(elapsed = 60, transient = TRUE)
    g <- tryCatch(suppressWarnings(rma.glmm(measure = "PLO", xi = s$events[[1]], ni = s$total[[1]])),
                  error = function(e) conditionMessage(e))
    setTimeLimit(elapsed = Inf)
    if (is.character(g)) rec$glmm_error <- g else
      rec$glmm <- list(tau2 = num(g$tau2), estimate = num(g$b), se = num(g$se))
  }
  out[[length(out) + 1]] <- rec
}
writeLines(toJSON(list(metafor_version = as.character(packageVersion("metafor")),
                       lme4_version = as.character(packageVersion("lme4")), results = out),
                  auto_unbox = TRUE, digits = NA, null = "null", pretty = TRUE),
           "benchmarks/fuzz_metafor.json")
cat("wrote", length(out), "results\n")
