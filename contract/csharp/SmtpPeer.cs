using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Text.RegularExpressions;
using MimeKit;
using SmtpServer;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace KitaLink.Contract;

/// <summary>The flow's SMTP peer: the service's outbox delivers PIN 2 here, and the flow reads it like a parent.</summary>
public sealed partial class SmtpPeer : IAsyncDisposable
{
    private readonly ConcurrentQueue<MimeMessage> _messages = new();
    private readonly SmtpServer.SmtpServer _server;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _running;

    public SmtpPeer(int port)
    {
        var options = new SmtpServerOptionsBuilder()
            .ServerName("smtp.contract.local")
            .Endpoint(endpoint => endpoint.Endpoint(new IPEndPoint(IPAddress.Loopback, port)).IsSecure(false))
            .Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(new Store(this));
        _server = new SmtpServer.SmtpServer(options, services);
        _running = _server.StartAsync(_stop.Token);
    }

    /// <summary>PIN 2 from the mail of one outbox message (its Message-ID starts with the message id).</summary>
    public async Task<string> Pin2Async(Guid messageId, string recipient)
    {
        var id = messageId.ToString("N");
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            var mail = _messages.FirstOrDefault(m => (m.MessageId ?? "").TrimStart('<').StartsWith(id, StringComparison.OrdinalIgnoreCase));
            if (mail is not null)
            {
                Flow.Check(mail.To.Mailboxes.Any(a => string.Equals(a.Address, recipient, StringComparison.OrdinalIgnoreCase)),
                    $"PIN 2 mail went to {mail.To}, not {recipient}");
                var pins = PinPattern().Matches(mail.TextBody ?? "").Select(m => m.Value).Distinct().ToList();
                Flow.Check(pins.Count == 1, $"expected one PIN in the PIN 2 mail, found {pins.Count}");
                return pins[0];
            }
            await Task.Delay(200);
        }
        throw new FlowFailure($"no PIN 2 mail for message {messageId} within 60 s");
    }

    public async ValueTask DisposeAsync()
    {
        _server.Shutdown();
        await _stop.CancelAsync();
        try
        {
            await _running.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (OperationCanceledException)
        {
        }
    }

    [GeneratedRegex("(?<![A-Z0-9])[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}(?![A-Z0-9])")]
    private static partial Regex PinPattern();

    private sealed class Store(SmtpPeer peer) : MessageStore
    {
        public override Task<SmtpResponse> SaveAsync(
            ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            using var stream = new MemoryStream(buffer.ToArray());
            peer._messages.Enqueue(MimeMessage.Load(stream, cancellationToken));
            return Task.FromResult(SmtpResponse.Ok);
        }
    }
}
