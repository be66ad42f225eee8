using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using KitaLink.Api.Infrastructure.Data;
using KitaLink.Api.Infrastructure.Email;
using KitaLink.Api.MailEvents;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MimeKit;

namespace KitaLink.Bench;

/// <summary>
/// Throughput of the bounce mailbox reader: writes <c>--count</c> sent PIN 2 outbox messages with return paths,
/// delivers one bounce per message over LMTP into the Dovecot mailbox (the fixture formats in turn: Postfix, Exim,
/// Microsoft 365, Gmail delay, GMX, web.de), then times KitaLink's reader (<see cref="BounceMailbox"/>, one instance)
/// until the folder is empty. Every bounce is parsed, recorded with its audit event and moved, as in production.
/// </summary>
public static class BounceReadCommand
{
    private static readonly string[] s_fixtures =
    [
        "postfix-unknown-user.eml", "exim-mailbox-full.eml", "exchange365-recipient-not-found.eml",
        "gmail-delay-over-quota.eml", "gmx-mailbox-full.eml", "webde-unknown-user.eml",
    ];

    public static async Task<int> RunAsync(CommandLine options)
    {
        var count = options.Int("count", 2000);
        var lmtpPort = options.Int("lmtp-port", 0);
        var fixtures = options.Required("fixtures");
        await using var app = KitaLinkServices.Build(options, mail: true);
        var bounces = app.Services.GetRequiredService<IOptions<BounceOptions>>().Value;
        var time = app.Services.GetRequiredService<TimeProvider>();

        var messages = new List<OutboxMessage>();
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<KitaLinkDbContext>();
            for (var i = 0; i < count; i++)
            {
                var message = new OutboxMessage(OutboxMessageKind.Pin2, $"eltern{i}@bench-mail.test", "Ihre PIN 2", "x", "x", time.GetUtcNow());
                message.MarkSent(time.GetUtcNow());
                messages.Add(message);
            }
            db.OutboxMessages.AddRange(messages);
            await db.SaveChangesAsync();
        }

        var deliver = Stopwatch.StartNew();
        using (var lmtp = await Lmtp.ConnectAsync(lmtpPort))
        {
            for (var i = 0; i < messages.Count; i++)
            {
                var returnPath = bounces.ReturnPath(messages[i].ReturnToken!).Address;
                var text = (await File.ReadAllTextAsync(Path.Combine(fixtures, s_fixtures[i % s_fixtures.Length])))
                    .Replace("{{RETURN_PATH}}", returnPath, StringComparison.Ordinal)
                    .Replace("{{RECIPIENT}}", messages[i].Recipient, StringComparison.Ordinal)
                    .Replace("{{ORIGINAL_ID}}", $"{messages[i].Id:N}@kitalink.example", StringComparison.Ordinal)
                    .Replace("{{BOUNCE_ID}}", Guid.NewGuid().ToString("N"), StringComparison.Ordinal);
                await lmtp.DeliverAsync(returnPath, text);
            }
        }
        Console.WriteLine($"delivered {count} bounces over LMTP in {deliver.Elapsed.TotalSeconds:F1} s");

        var reader = ActivatorUtilities.CreateInstance<BounceMailbox>(app.Services);
        var watch = Stopwatch.StartNew();
        int recorded = 0, rounds = 0, rejected = 0;
        var phases = new double[4];
        while (true)
        {
            var round = await reader.ProcessOnceAsync(CancellationToken.None);
            rounds++;
            recorded += round.Recorded;
            rejected += round.Rejected;
            for (var p = 0; p < round.Phases.Length && p < phases.Length; p++)
            {
                phases[p] += round.Phases[p].TotalSeconds;
            }
            if (round.Seen == 0)
            {
                break;
            }
        }
        var seconds = watch.Elapsed.TotalSeconds;
        var result = new BounceReadResult(count, recorded, rejected, rounds, seconds, recorded / seconds, bounces.Imap.BatchSize,
            phases[0], phases[1], phases[2], phases[3]);
        await File.WriteAllTextAsync(options.Required("out"), JsonSerializer.Serialize(result, Json.Options));
        Console.WriteLine($"read {recorded} of {count} bounces ({rejected} rejected) in {seconds:F2} s over {rounds} rounds: {result.BouncesPerSecond:F0} bounces/s");
        Console.WriteLine($"time in: connect+search {phases[0]:F2} s, fetch+parse {phases[1]:F2} s, record {phases[2]:F2} s, move {phases[3]:F2} s");
        return recorded == count ? 0 : 1;
    }

    /// <summary>A minimal LMTP client (one connection, one transaction per bounce, empty envelope sender as bounces have).</summary>
    private sealed class Lmtp : IDisposable
    {
        private readonly TcpClient _tcp;
        private readonly StreamReader _reader;
        private readonly StreamWriter _writer;

        private Lmtp(TcpClient tcp)
        {
            _tcp = tcp;
            var stream = tcp.GetStream();
            _reader = new StreamReader(stream, Encoding.ASCII);
            _writer = new StreamWriter(stream, new UTF8Encoding(false)) { NewLine = "\r\n", AutoFlush = false };
        }

        public static async Task<Lmtp> ConnectAsync(int port)
        {
            var tcp = new TcpClient();
            await tcp.ConnectAsync("127.0.0.1", port);
            var lmtp = new Lmtp(tcp);
            await lmtp.ExpectAsync("220");
            await lmtp.CommandAsync("LHLO bench.kitalink.test", "250");
            return lmtp;
        }

        public async Task DeliverAsync(string recipient, string message)
        {
            await CommandAsync("MAIL FROM:<>", "250");
            await CommandAsync($"RCPT TO:<{recipient}>", "250");
            await CommandAsync("DATA", "354");
            foreach (var line in message.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
            {
                await _writer.WriteLineAsync(line.StartsWith('.') ? "." + line : line);
            }
            await CommandAsync(".", "250");
        }

        private async Task CommandAsync(string command, string expect)
        {
            await _writer.WriteLineAsync(command);
            await _writer.FlushAsync();
            await ExpectAsync(expect);
        }

        private async Task ExpectAsync(string code)
        {
            string? line;
            do
            {
                line = await _reader.ReadLineAsync() ?? throw new IOException("LMTP connection closed");
            }
            while (line.Length > 3 && line[3] == '-');
            if (!line.StartsWith(code, StringComparison.Ordinal))
            {
                throw new IOException($"LMTP: expected {code}, got '{line}'");
            }
        }

        public void Dispose() => _tcp.Dispose();
    }
}

public sealed record BounceReadResult(int Count, int Recorded, int Rejected, int Rounds, double Seconds, double BouncesPerSecond, int BatchSize,
    double ConnectSearchSeconds, double FetchParseSeconds, double RecordSeconds, double MoveSeconds);
