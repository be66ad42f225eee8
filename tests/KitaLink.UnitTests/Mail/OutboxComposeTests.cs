using System.Runtime.CompilerServices;
using KitaLink.Api.Infrastructure.Email;
using MimeKit;

namespace KitaLink.UnitTests.Mail;

public sealed class OutboxComposeTests
{
    private static readonly MailboxAddress s_from = new("KitaLink", "no-reply@kitalink.example");

    [Fact]
    public void Compose_BuildsTheMessage_WithTheSenderTheRecipientAndAStableMessageId()
    {
        var id = Guid.NewGuid();
        using var mime = Compose(id, " eltern@example.org ");

        Assert.Equal("no-reply@kitalink.example", Assert.IsType<MailboxAddress>(Assert.Single(mime.From)).Address);
        Assert.Equal("eltern@example.org", Assert.IsType<MailboxAddress>(Assert.Single(mime.To)).Address);
        Assert.Equal($"{id:N}@kitalink.example", mime.MessageId);
        Assert.Equal("auto-generated", mime.Headers["Auto-Submitted"]);
        Assert.Equal("Ihre PIN 2", mime.Subject);
    }

    [Fact]
    public void ComposedMessages_DoNotStayReachableThroughTheSharedSenderAddress()
    {
        // Regression: adding the one shared sender address to every message subscribed each message's
        // address list to it, so every message ever sent stayed in memory (the mail burst grew the heap).
        var sent = ComposeAndForget(50);

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        Assert.All(sent, message => Assert.False(message.TryGetTarget(out _), "a sent message is still reachable"));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static List<WeakReference<MimeMessage>> ComposeAndForget(int count) =>
        Enumerable.Range(0, count).Select(_ => new WeakReference<MimeMessage>(Compose(Guid.NewGuid(), "eltern@example.org"))).ToList();

    private static MimeMessage Compose(Guid id, string recipient) =>
        OutboxProcessor.Compose("PIN 2: ABCD-EFGH", "<p>PIN 2: ABCD-EFGH</p>", "Ihre PIN 2", id, recipient, s_from,
            "kitalink.example", new DateTimeOffset(2026, 11, 24, 9, 0, 0, TimeSpan.Zero));
}
