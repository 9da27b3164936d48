# test/data/soundquality/extract.R: the judgments of psychotools'
# SoundQuality data set (Debian package r-cran-psychotools) as one CSV row
# per judgment, on standard output.  Run from the repository root:
#   Rscript test/data/soundquality/extract.R | gzip -n -9 > test/data/soundquality/judgments.csv.gz
#
# SoundQuality has one row per (listener, time, program material,
# repetition), each with a paired-comparison record of all 28 pairs of the
# 8 reproduction modes; the record's column "A:B" is 1 when A was
# preferred and -1 when B was.  Here: one row per (that row, pair), with
# item_a = A, item_b = B (the data set's fixed order of the modes, not a
# display order: the data does not record which was played first).
suppressPackageStartupMessages(library(psychotools))
data("SoundQuality", package = "psychotools")
d <- SoundQuality
m <- as.matrix(d$preference)
stopifnot(all(m %in% c(-1, 1)))
pairs <- strsplit(colnames(m), ":", fixed = TRUE)
labels <- attr(d$preference, "labels")
out <- do.call(rbind, lapply(seq_len(nrow(d)), function(i)
	data.frame(listener = as.character(d$id[i]), time = as.character(d$time[i]),
	           progmat = as.character(d$progmat[i]), session = d$session[i],
	           repet = d$repet[i],
	           item_a = vapply(pairs, `[`, "", 1), item_b = vapply(pairs, `[`, "", 2),
	           chose_a = ifelse(m[i, ] == 1, "t", "f"),
	           stringsAsFactors = FALSE)))
stopifnot(all(out$item_a %in% labels), all(out$item_b %in% labels))
out <- cbind(judgment_id = seq_len(nrow(out)), out)
write.csv(out, stdout(), row.names = FALSE, quote = FALSE)
