using KitaLink.Api.Infrastructure.Data;
using Microsoft.AspNetCore.DataProtection;

namespace KitaLink.Api.Infrastructure.Email;

/// <summary>Subject and bodies of one mail, before encryption.</summary>
public sealed record MailContent(string Subject, string TextBody, string HtmlBody);

/// <summary>
/// Writes mail to the transactional outbox: the message is added to the caller's DbContext and commits
/// with the business change (a PIN pair, a reset token) or not at all. <c>OutboxSender</c> delivers it.
/// </summary>
public sealed class MailOutbox(KitaLinkDbContext db, IDataProtectionProvider dataProtection, TimeProvider time)
{
    public const string BodyProtectionPurpose = "KitaLink.Outbox.Body.v1";

    private readonly IDataProtector _protector = dataProtection.CreateProtector(BodyProtectionPurpose);

    public OutboxMessage Enqueue(OutboxMessageKind kind, string recipient, MailContent content)
    {
        var message = new OutboxMessage(
            kind,
            recipient,
            content.Subject,
            _protector.Protect(content.TextBody),
            _protector.Protect(content.HtmlBody),
            time.GetUtcNow());
        db.OutboxMessages.Add(message);
        return message;
    }
}
