namespace Bifrost.Domain.PortfolioRuns

open System
open System.Globalization
open System.Security.Cryptography
open System.Text

/// Stable text and SHA-256 digests for portfolio runs. Hashing is computation, not I/O: the same value always gives the
/// same digest on every machine, so a snapshot's hash can be recomputed from the store and compared.
module ContentHash =
    /// Lower-case hex SHA-256 of the UTF-8 bytes of a text.
    let sha256Hex (text: string) =
        SHA256.HashData(Encoding.UTF8.GetBytes text) |> Convert.ToHexString |> fun s -> s.ToLowerInvariant()

    /// A float written so that it parses back to the same bits ("R"), whatever the culture.
    let number (v: float) = v.ToString("R", CultureInfo.InvariantCulture)

    /// Joins fields with a separator no field may contain (fields are validated symbols, numbers and ids).
    let fields (xs: string seq) = String.Join("|", xs)
