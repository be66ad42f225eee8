using System.Text.Json;
using System.Text.Json.Serialization;

namespace KitaLink.Bench;

public static class Json
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        // A figure that could not be measured (no messages, no successful request) is NaN, not an error.
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}

public static class Stats
{
    /// <summary>Nearest-rank percentile of sorted values.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double percentile)
    {
        if (sorted.Count == 0)
        {
            return double.NaN;
        }
        var rank = (int)Math.Ceiling(percentile / 100 * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }
}
