using KitaLink.Api.Infrastructure.Email;
using KitaLink.IntegrationTests.Infrastructure;
using MimeKit;
using static KitaLink.IntegrationTests.Mail.OutboxTestData;

namespace KitaLink.IntegrationTests.Mail;

/// <summary>An instance without an SMTP host: the development default of writing <c>.eml</c> files.</summary>
public sealed class PickupDirectoryFactory : KitaLinkFactory
{
    public string PickupDirectory { get; } = Path.Combine(Path.GetTempPath(), "kitalink-mail-" + Guid.NewGuid().ToString("N"));

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Smtp:Host"] = "",
        ["Smtp:PickupDirectory"] = PickupDirectory,
    };

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (Directory.Exists(PickupDirectory))
        {
            Directory.Delete(PickupDirectory, recursive: true);
        }
    }
}

public sealed class PickupDirectoryTests(PickupDirectoryFactory factory) : IClassFixture<PickupDirectoryFactory>
{
    [Fact]
    public async Task WithoutSmtpHost_MailIsWrittenAsEmlFiles_AndCountsAsSent()
    {
        factory.CreateClient();
        var recipient = NewRecipient("pickup");
        var (id, _) = await EnqueuePin2Async(factory, recipient);

        var message = await WaitForAsync(factory, id, m => m.Status == OutboxMessageStatus.Sent);
        Assert.Null(message.ProtectedTextBody);

        var files = Directory.GetFiles(factory.PickupDirectory);
        var file = Assert.Single(files);
        Assert.EndsWith(".eml", file);
        var mail = await MimeMessage.LoadAsync(file);
        Assert.Equal(recipient, mail.To.Mailboxes.Single().Address);
        Assert.Contains(Pin2, mail.TextBody);
        Assert.Contains(Pin2, mail.HtmlBody);
        Assert.Empty(factory.Smtp.To(recipient));
    }
}
