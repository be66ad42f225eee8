using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using MimeKit;
using SmtpServer;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace KitaLink.IntegrationTests.Infrastructure;

/// <summary>
/// A real SMTP server in the test process (SmtpServer package) on a loopback port. It records every
/// accepted message, can reject given recipients with a chosen reply (550 unknown mailbox, 552
/// mailbox full), and can be stopped and started again to simulate an outage.
/// </summary>
public sealed class SmtpPeer : IAsyncDisposable
{
    private readonly ConcurrentQueue<MimeMessage> _messages = new();
    private readonly ConcurrentDictionary<string, SmtpResponse> _rejections = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, string> _envelopeSenders = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _arrived = new(0);
    private SmtpServer.SmtpServer? _server;
    private CancellationTokenSource? _stop;
    private Task? _running;

    public SmtpPeer()
    {
        Port = FreePort();
    }

    public int Port { get; }
    public IReadOnlyCollection<MimeMessage> Messages => _messages.ToArray();

    public bool IsRunning => _server is not null;

    public void Start()
    {
        if (_server is not null)
        {
            return;
        }
        var options = new SmtpServerOptionsBuilder()
            .ServerName("smtp.test.local")
            .Endpoint(endpoint => endpoint.Endpoint(new IPEndPoint(IPAddress.Loopback, Port)).IsSecure(false))
            .Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(new Store(this));
        _server = new SmtpServer.SmtpServer(options, services);
        _stop = new CancellationTokenSource();
        _running = _server.StartAsync(_stop.Token);
    }

    public async Task StopAsync()
    {
        if (_server is null)
        {
            return;
        }
        _server.Shutdown();
        await _stop!.CancelAsync();
        try
        {
            await _running!.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (OperationCanceledException)
        {
        }
        _stop.Dispose();
        _server = null;
    }

    /// <summary>Answers the DATA command for <paramref name="recipient"/> with the given reply.</summary>
    public void Reject(string recipient, SmtpReplyCode code, string message) =>
        _rejections[recipient] = new SmtpResponse(code, message);

    /// <summary>Accepts mail for <paramref name="recipient"/> again (a full mailbox that has room again).</summary>
    public void StopRejecting(string recipient) => _rejections.TryRemove(recipient, out _);

    public void Clear() => _messages.Clear();

    /// <summary>The envelope sender (MAIL FROM, the return path) of an accepted message.</summary>
    public string? EnvelopeSenderOf(MimeMessage message) => _envelopeSenders.GetValueOrDefault(message.MessageId ?? "");

    public IEnumerable<MimeMessage> To(string recipient) =>
        Messages.Where(m => m.To.Mailboxes.Any(a => string.Equals(a.Address, recipient, StringComparison.OrdinalIgnoreCase)));

    /// <summary>Waits until a message to <paramref name="recipient"/> satisfying <paramref name="predicate"/> arrived.</summary>
    public async Task<MimeMessage> WaitForMessageAsync(string recipient, Func<MimeMessage, bool>? predicate = null, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var found = To(recipient).LastOrDefault(m => predicate?.Invoke(m) ?? true);
            if (found is not null)
            {
                return found;
            }
            var remaining = deadline - DateTime.UtcNow;
            if (remaining <= TimeSpan.Zero)
            {
                throw new TimeoutException($"No mail to {recipient} arrived at the SMTP peer in time.");
            }
            await _arrived.WaitAsync(remaining < TimeSpan.FromMilliseconds(200) ? remaining : TimeSpan.FromMilliseconds(200));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _arrived.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed class Store(SmtpPeer peer) : MessageStore
    {
        public override Task<SmtpResponse> SaveAsync(
            ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            foreach (var to in transaction.To)
            {
                if (peer._rejections.TryGetValue($"{to.User}@{to.Host}", out var rejection))
                {
                    return Task.FromResult(rejection);
                }
            }
            using var stream = new MemoryStream(buffer.ToArray());
            var message = MimeMessage.Load(stream, cancellationToken);
            if (message.MessageId is { } messageId)
            {
                peer._envelopeSenders[messageId] = transaction.From is { } from ? $"{from.User}@{from.Host}" : "";
            }
            peer._messages.Enqueue(message);
            peer._arrived.Release();
            return Task.FromResult(SmtpResponse.Ok);
        }
    }
}
