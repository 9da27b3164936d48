#!/usr/bin/python3
"""Reference deviances for sql/bt_fit.sql's large-total cases.

Two items x, y with pair totals near 3e15 (x shown first) and a few
comparisons with y shown first: the deviance is about 0.2 while the
log-likelihood is about -2e15, so subtracting totals in float8 loses it.
Computed here with mpmath at 50 digits: the maximum likelihood estimate
by root finding on the score equations, then
2 * sum count * log(observed share / fitted probability).

Run: /usr/bin/python3 test/ref/bt/deviance_extreme.py
"""
import mpmath as mp

mp.mp.dps = 50


def binary():
    # (x, y): 2e15 wins, 1e15 losses; (y, x): 1 win, 1 loss
    a, b = mp.mpf('2e15') + 1, mp.mpf('1e15') + 1      # x's wins, losses
    p = a / (a + b)                                      # MLE P(x beats y)
    dev = 0
    for wins, losses, pw in ((mp.mpf('2e15'), mp.mpf('1e15'), p),
                             (mp.mpf(1), mp.mpf(1), 1 - p)):
        n = wins + losses
        dev += 2 * (wins * mp.log(wins / (n * pw)) + losses * mp.log(losses / (n * (1 - pw))))
    return dev


def davidson():
    # (x, y): 2e15 first wins, 1e15 second wins, 1e15 ties; (y, x): 1, 1, 1
    pairs = [(1, (mp.mpf('2e15'), mp.mpf('1e15'), mp.mpf('1e15'))),
             (-1, (mp.mpf(1), mp.mpf(1), mp.mpf(1)))]

    def ll(s, th):
        tot = 0
        for sg, (w1, w2, wt) in pairs:
            u = sg * s / 2
            logd = mp.log(mp.e ** u + mp.e ** (-u) + mp.e ** th)
            tot += w1 * (u - logd) + w2 * (-u - logd) + wt * (th - logd)
        return tot

    s, th = mp.findroot(lambda s, th: [mp.diff(lambda z: ll(z, th), s),
                                        mp.diff(lambda z: ll(s, z), th)],
                        (mp.mpf('1.4'), mp.mpf('0.3')))
    dev = 0
    for sg, counts in pairs:
        u = sg * s / 2
        d = mp.e ** u + mp.e ** (-u) + mp.e ** th
        probs = (mp.e ** u / d, mp.e ** (-u) / d, mp.e ** th / d)
        n = sum(counts)
        for c, pr in zip(counts, probs):
            if c > 0:
                dev += 2 * c * mp.log(c / (n * pr))
    return dev


print('binary', mp.nstr(binary(), 17))
print('davidson', mp.nstr(davidson(), 17))
