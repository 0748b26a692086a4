namespace Bifrost.Domain.Pricing

/// Standard normal density and distribution function to double precision.
module Normal =
    let private invSqrt2Pi = 0.398942280401432677939946059934

    let pdf (x: float) = invSqrt2Pi * exp (-0.5 * x * x)

    /// Cumulative normal given e = exp(−x²/2), which the caller may already have (Black–Scholes gets N(d1), N(d2)
    /// and n(d1) from one exponential). Hart (1968) as given by West (2005), "Better approximations to cumulative
    /// normal functions": accurate to about 1e-15, which the 1e-8 Black–Scholes test vectors need.
    let cdfWithExp (x: float) (e: float) =
        let a = abs x
        let tail =
            if a > 37.0 then 0.0
            else
                if a < 7.07106781186547 then
                    let n =
                        ((((((3.52624965998911E-02 * a + 0.700383064443688) * a + 6.37396220353165) * a
                             + 33.912866078383) * a + 112.079291497871) * a + 221.213596169931) * a
                         + 220.206867912376)
                    let d =
                        (((((((8.83883476483184E-02 * a + 1.75566716318264) * a + 16.064177579207) * a
                              + 86.7807322029461) * a + 296.564248779674) * a + 637.333633378831) * a
                          + 793.826512519948) * a + 440.413735824752)
                    e * n / d
                else
                    let b = a + 1.0 / (a + 2.0 / (a + 3.0 / (a + 4.0 / (a + 0.65))))
                    e / b / 2.506628274631
        if System.Double.IsNaN x then nan
        elif x > 0.0 then 1.0 - tail
        else tail

    let cdf (x: float) = cdfWithExp x (exp (-0.5 * x * x))
