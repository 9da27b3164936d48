# test/ref/bt/make_r_refs.R: reference Bradley-Terry fits from R's
# BradleyTerry2 (BTm, a binomial GLM fitted by IRLS) for the pg_regress test
# sql/bt_reference.sql.  Writes
#   pairs.csv    dataset,first,second,w1,w2,wt  (weighted counts per ordered pair)
#   r_fits.csv   dataset,variant,item,estimate,se  (scores relative to the
#                reference item BTm uses; "(position)" = first-shown effect,
#                "(deviance)" = residual deviance)
# Run: /usr/bin/Rscript make_r_refs.R   (in this directory)
suppressMessages(library(BradleyTerry2))
options(digits = 17)

pairs <- data.frame()
fits <- data.frame()
add_fit <- function(dataset, variant, model, prefix, reference, items, extra = NULL) {
  co <- summary(model)$coefficients
  est <- c(0); se <- c(0)
  for (it in items[items != reference]) {
    nm <- paste0(prefix, it)
    est <- c(est, co[nm, 1]); se <- c(se, co[nm, 2])
  }
  df <- data.frame(dataset = dataset, variant = variant,
                   item = c(reference, items[items != reference]),
                   estimate = est, se = se)
  if (!is.null(extra)) {
    df <- rbind(df, data.frame(dataset = dataset, variant = variant,
                               item = "(position)", estimate = co[extra, 1],
                               se = co[extra, 2]))
  }
  df <- rbind(df, data.frame(dataset = dataset, variant = variant,
                             item = "(deviance)", estimate = deviance(model), se = 0))
  fits <<- rbind(fits, df)
}

## citations (Stigler 1994): no ties, no position
data(citations)
cs <- countsToBinomial(citations)
pairs <- rbind(pairs, data.frame(dataset = "citations", first = as.character(cs$player1),
                                 second = as.character(cs$player2),
                                 w1 = cs$win1, w2 = cs$win2, wt = 0))
m <- BTm(cbind(win1, win2), player1, player2, ~ journal, id = "journal", data = cs)
items <- sort(unique(c(as.character(cs$player1), as.character(cs$player2))))
add_fit("citations", "half", m, "journal", levels(cs$player1)[1], items)

## baseball (Agresti 2002): home team shown first, home advantage = position
data(baseball)
bb <- baseball
pairs <- rbind(pairs, data.frame(dataset = "baseball", first = as.character(bb$home.team),
                                 second = as.character(bb$away.team),
                                 w1 = bb$home.wins, w2 = bb$away.wins, wt = 0))
bb$home.team <- data.frame(team = baseball$home.team, at.home = 1)
bb$away.team <- data.frame(team = baseball$away.team, at.home = 0)
m <- BTm(cbind(home.wins, away.wins), home.team, away.team,
         formula = ~ team + at.home, id = "team", data = bb)
items <- sort(unique(c(as.character(baseball$home.team), as.character(baseball$away.team))))
add_fit("baseball", "position", m, "team", levels(baseball$home.team)[1], items, "at.home")
m0 <- BTm(cbind(home.wins, away.wins), home.team, away.team, id = "team", data = baseball)
add_fit("baseball", "half", m0, "team", levels(baseball$home.team)[1], items)

## icehockey (NCAA 2009-10): ties; visitor shown first.  Ties as halves
## (BTm's binomial fit with 0.5 outcomes), counts summed per ordered pair.
data(icehockey)
ih <- icehockey
ih$visitor <- as.character(ih$visitor)
ih$opponent <- as.character(ih$opponent)
key <- paste(ih$visitor, ih$opponent, sep = "\r")
agg <- do.call(rbind, lapply(split(ih, key), function(g)
  data.frame(dataset = "icehockey", first = g$visitor[1], second = g$opponent[1],
             w1 = sum(g$result == 1), w2 = sum(g$result == 0), wt = sum(g$result == 0.5))))
pairs <- rbind(pairs, agg)
teams <- sort(unique(c(ih$visitor, ih$opponent)))
ih$visitor <- factor(ih$visitor, levels = teams)
ih$opponent <- factor(ih$opponent, levels = teams)
m <- suppressWarnings(BTm(result, visitor, opponent, id = "team", data = ih))
add_fit("icehockey", "half", m, "team", teams[1], teams)
fits <- fits[fits$item != "(deviance)" | fits$dataset != "icehockey", ]

write.csv(pairs, "pairs.csv", row.names = FALSE)
write.csv(fits, "r_fits.csv", row.names = FALSE)
