using System.Net.Sockets;
using MailKit.Net.Smtp;
using Microsoft.Extensions.Options;
using MimeKit;

namespace KitaLink.Api.Infrastructure.Email;

/// <summary>Where mail goes: an SMTP server, or a pickup folder of <c>.eml</c> files.</summary>
public interface IMailTransport
{
    /// <summary>Opens a session for a batch of messages (one SMTP connection, reused for all of them).</summary>
    IMailSession OpenSession();
}

/// <summary>One batch's connection. <see cref="SendAsync"/> throws on failure; <see cref="MailFailure.Classify"/> sorts the exception.</summary>
public interface IMailSession : IAsyncDisposable
{
    /// <summary>Sends <paramref name="message"/>; <paramref name="returnPath"/> is the envelope sender (where bounces go), null: the From address.</summary>
    Task SendAsync(MimeMessage message, MailboxAddress? returnPath, CancellationToken cancellationToken);
}

/// <summary>
/// Delivers over SMTP with MailKit. The connection is opened on the first message of a batch and kept
/// for the rest; after a failure that closed it (a 421, a dropped socket) the next message reconnects.
/// </summary>
public sealed class SmtpMailTransport(IOptions<SmtpOptions> options) : IMailTransport
{
    public IMailSession OpenSession() => new Session(options.Value);

    private sealed class Session(SmtpOptions options) : IMailSession
    {
        private readonly SmtpClient _client = new() { Timeout = options.TimeoutSeconds * 1000 };

        public async Task SendAsync(MimeMessage message, MailboxAddress? returnPath, CancellationToken cancellationToken)
        {
            if (!_client.IsConnected)
            {
                await ConnectAsync(cancellationToken);
            }
            if (returnPath is null)
            {
                await _client.SendAsync(message, cancellationToken);
            }
            else
            {
                await _client.SendAsync(message, returnPath, message.To.Mailboxes, cancellationToken);
            }
        }

        private async Task ConnectAsync(CancellationToken cancellationToken)
        {
            var socket = await ConnectSocketAsync(cancellationToken);
            try
            {
                await _client.ConnectAsync(socket, options.Host!, options.Port, options.SocketOptions, cancellationToken);
                if (!options.Pipelining)
                {
                    _client.Capabilities &= ~SmtpCapabilities.Pipelining;
                }
                if (!string.IsNullOrEmpty(options.Username))
                {
                    await _client.AuthenticateAsync(options.Username, options.Password ?? "", cancellationToken);
                }
            }
            catch
            {
                // A half-open session (greeted but not authenticated) must not be reused for the next
                // message; it reconnects from scratch instead.
                if (_client.IsConnected)
                {
                    await _client.DisconnectAsync(quit: false, CancellationToken.None);
                }
                socket.Dispose();
                throw;
            }
        }

        /// <summary>
        /// Opens the TCP connection with Nagle's algorithm off: the end-of-data line is a tiny write after
        /// the message body, and with Nagle on it waits for the server's delayed ACK (about 40 ms per mail).
        /// </summary>
        private async Task<Socket> ConnectSocketAsync(CancellationToken cancellationToken)
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(options.TimeoutSeconds));
            try
            {
                await socket.ConnectAsync(options.Host!, options.Port, timeout.Token);
                return socket;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                socket.Dispose();
                throw new TimeoutException($"Connecting to the SMTP server took longer than {options.TimeoutSeconds} s.");
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                if (_client.IsConnected)
                {
                    using var quit = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                    await _client.DisconnectAsync(quit: true, quit.Token);
                }
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or MailKit.ProtocolException or MailKit.CommandException)
            {
                // The messages of the batch are already recorded; a failed QUIT changes nothing.
            }
            finally
            {
                _client.Dispose();
            }
        }
    }
}

/// <summary>
/// Writes each message as an <c>.eml</c> file (the development default when no SMTP host is set), so
/// a developer can open the PIN 2 mail in any mail program. The file is written under a temporary
/// name and then renamed, so a reader never sees half a message.
/// </summary>
public sealed class PickupDirectoryMailTransport(string directory) : IMailTransport
{
    public string Directory { get; } = directory;

    public IMailSession OpenSession() => new Session(Directory);

    private sealed class Session(string directory) : IMailSession
    {
        public async Task SendAsync(MimeMessage message, MailboxAddress? returnPath, CancellationToken cancellationToken)
        {
            if (returnPath is not null)
            {
                // What a delivering server records as the envelope sender; a developer sees where bounces would go.
                message.Headers.Insert(0, HeaderId.ReturnPath, $"<{returnPath.Address}>");
            }
            System.IO.Directory.CreateDirectory(directory);
            var name = FileName(message);
            var temporary = Path.Combine(directory, $".{name}.tmp");
            var target = Path.Combine(directory, name);
            await using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                await message.WriteToAsync(stream, cancellationToken);
            }
            if (!OperatingSystem.IsWindows())
            {
                // The file holds PIN 2 in clear text: readable by the service's user only.
                File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
            File.Move(temporary, target, overwrite: true);
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;

        /// <summary>Sortable by time and unique per outbox message (the Message-Id carries its id).</summary>
        private static string FileName(MimeMessage message)
        {
            var id = message.MessageId is { Length: > 0 } messageId ? messageId.Split('@')[0] : Guid.NewGuid().ToString("N");
            var safe = string.Concat(id.Where(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'));
            return $"{message.Date.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}-{safe}.eml";
        }
    }
}
