using KitaLink.Api.Infrastructure.Email;
using MimeKit;

namespace KitaLink.UnitTests.Mail;

public sealed class PickupDirectoryTransportTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "kitalink-pickup-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Send_WritesOneCompleteEmlFile_AndNoTemporaryFile()
    {
        var message = new MimeMessage
        {
            Subject = "Ihre PIN 2",
            MessageId = $"{Guid.NewGuid():N}@kita.example",
            Body = new BodyBuilder { TextBody = "PIN 2: K7QM-R4TZ", HtmlBody = "<p>PIN 2: K7QM-R4TZ</p>" }.ToMessageBody(),
        };
        message.From.Add(MailboxAddress.Parse("no-reply@kita.example"));
        message.To.Add(MailboxAddress.Parse("eltern@example.com"));

        await using (var session = new PickupDirectoryMailTransport(_directory).OpenSession())
        {
            await session.SendAsync(message, null, CancellationToken.None);
        }

        var file = Assert.Single(Directory.GetFiles(_directory));
        Assert.EndsWith(".eml", file);
        var written = await MimeMessage.LoadAsync(file);
        Assert.Equal("eltern@example.com", written.To.Mailboxes.Single().Address);
        Assert.Contains("K7QM-R4TZ", written.TextBody);
        Assert.Contains("K7QM-R4TZ", written.HtmlBody);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
