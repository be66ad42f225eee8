using System.Diagnostics;
using System.Text.Json;
using KitaLink.Api.Infrastructure.Security;
using Microsoft.Extensions.Options;

namespace KitaLink.Bench;

/// <summary>
/// The cost of one password hash on this machine: KitaLink's <see cref="PasswordHashing.HashAsync"/>
/// with the configured iterations, one after another on one thread. Login and registration can at best
/// run one hash per core at a time, so cores ÷ this time is their throughput limit.
/// </summary>
public static class HashTimeCommand
{
    public static async Task<int> RunAsync(CommandLine options)
    {
        var runs = options.Int("runs", 20);
        await using var app = KitaLinkServices.Build(options);
        var hashing = app.Services.GetRequiredService<PasswordHashing>();
        var iterations = app.Services.GetRequiredService<IOptions<PasswordOptions>>().Value.Iterations;
        const string password = "Kita-Bench-Zeitmessung-2026";

        // Two untimed runs: JIT and the first use of the crypto provider are not part of a hash.
        for (var i = 0; i < 2; i++)
        {
            await hashing.HashAsync(password, CancellationToken.None);
        }
        var timings = new List<double>(runs);
        for (var i = 0; i < runs; i++)
        {
            var watch = Stopwatch.StartNew();
            await hashing.HashAsync(password, CancellationToken.None);
            timings.Add(watch.Elapsed.TotalMilliseconds);
        }
        timings.Sort();

        // The same hash on every core at once, through KitaLink's hashing threads: what the cores deliver together
        // (a core's share of memory bandwidth, caches and clock under full load), the ceiling logins really face.
        var cores = Environment.ProcessorCount;
        var together = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, cores * runs / 2).Select(_ => hashing.HashAsync(password, CancellationToken.None)));
        var parallelPerSecond = cores * runs / 2 / together.Elapsed.TotalSeconds;

        var result = new HashTimeResult(
            Runs: runs,
            Iterations: iterations,
            MedianMs: Stats.Percentile(timings, 50),
            MeanMs: timings.Average(),
            MinMs: timings[0],
            MaxMs: timings[^1],
            Cores: cores,
            ParallelPerSecond: parallelPerSecond);
        await File.WriteAllTextAsync(options.Required("out"), JsonSerializer.Serialize(result, Json.Options));
        Console.WriteLine($"password hash: median {result.MedianMs:F1} ms, mean {result.MeanMs:F1} ms over {runs} runs " +
            $"({iterations} iterations); limit {result.Cores / (result.MedianMs / 1000):F1} hashes/s on {result.Cores} cores, " +
            $"{parallelPerSecond:F1} hashes/s measured with every core hashing");
        return 0;
    }
}

public sealed record HashTimeResult(int Runs, int Iterations, double MedianMs, double MeanMs, double MinMs, double MaxMs, int Cores,
    double ParallelPerSecond = double.NaN);
