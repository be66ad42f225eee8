using System.Diagnostics;
using System.Text.Json;
using KitaLink.Api.Guardians.AddressCheck;

namespace KitaLink.Bench;

/// <summary>
/// What the guardian address check adds to a guardian creation: <see cref="GuardianEmailCheck.CheckAsync"/>
/// as the API wires it (<c>AddKitaLinkAddressCheck</c>, DnsClient against <c>--dns</c>), for new addresses at one
/// domain after a warm-up call has cached the domain's DNS answer. The check runs before the database work
/// of the request, so its time is the request's extra latency.
/// </summary>
public static class AddressCheckTimeCommand
{
    public static async Task<int> RunAsync(CommandLine options)
    {
        var runs = options.Int("runs", 5000);
        var domain = options.Required("domain");
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration["EmailCheck:DnsServers:0"] = options.Required("dns");
        builder.Services.AddSingleton(TimeProvider.System);
        builder.AddKitaLinkAddressCheck();
        await using var app = builder.Build();
        var check = app.Services.GetRequiredService<GuardianEmailCheck>();

        var warm = await check.CheckAsync($"warm@{domain}", CancellationToken.None);
        if (warm.MailServer is not (MailServerCheck.Mx or MailServerCheck.AddressRecord))
        {
            await Console.Error.WriteLineAsync($"The DNS at {options.Required("dns")} did not confirm {domain}: {warm.MailServer}");
            return 1;
        }
        var timings = new List<double>(runs);
        for (var i = 0; i < runs; i++)
        {
            var watch = Stopwatch.StartNew();
            await check.CheckAsync($"eltern.{i}@{domain}", CancellationToken.None);
            timings.Add(watch.Elapsed.TotalMilliseconds);
        }
        timings.Sort();
        var result = new AddressCheckTimeResult(runs, Stats.Percentile(timings, 50), Stats.Percentile(timings, 99), timings[^1]);
        await File.WriteAllTextAsync(options.Required("out"), JsonSerializer.Serialize(result, Json.Options));
        Console.WriteLine($"address check, warm DNS cache: p50 {result.P50Ms:F4} ms, p99 {result.P99Ms:F4} ms, max {result.MaxMs:F3} ms over {runs} addresses");
        return 0;
    }
}

public sealed record AddressCheckTimeResult(int Runs, double P50Ms, double P99Ms, double MaxMs);
