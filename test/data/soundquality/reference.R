# test/data/soundquality/reference.R: independent reference numbers for the
# bundled SoundQuality judgments, from psychotools itself (R), on standard
# output as CSV (kind, key, value).  Run from the repository root:
#   Rscript test/data/soundquality/reference.R > test/data/soundquality/reference.csv
#   - kind "wins_a": per pair "A:B", how often A was preferred (psychotools'
#     summary of the paired comparisons), and "n": how often it was judged;
#   - kind "score": the Bradley-Terry log-worth of each mode from
#     psychotools::btmodel on all judgments (maximum likelihood), centred
#     to mean 0 (prefcal's bt_scores convention);
#   - kind "loglik": btmodel's log-likelihood.
suppressPackageStartupMessages(library(psychotools))
data("SoundQuality", package = "psychotools")
y <- SoundQuality$preference
m <- as.matrix(y)
out <- rbind(
	data.frame(kind = "wins_a", key = colnames(m), value = colSums(m == 1)),
	data.frame(kind = "n", key = colnames(m), value = colSums(!is.na(m))))
fit <- btmodel(y)
w <- log(worth(fit))
w <- w - mean(w)
out <- rbind(out, data.frame(kind = "score", key = names(w), value = sprintf("%.12f", w)),
             data.frame(kind = "loglik", key = "all", value = sprintf("%.8f", as.numeric(logLik(fit)))))
write.csv(out, stdout(), row.names = FALSE, quote = FALSE)
