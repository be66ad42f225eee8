using KitaLink.Api.Infrastructure.Email;
using MailKit.Security;
using Microsoft.Extensions.Options;

namespace KitaLink.UnitTests.Mail;

public sealed class MailOptionsTests
{
    [Theory]
    [InlineData("KitaLink <no-reply@kita.example>", true)]
    [InlineData("no-reply@kita.example", true)]
    [InlineData("KitaLink", false)]
    [InlineData("", false)]
    public void From_MustBeAMailbox(string from, bool valid)
    {
        var result = new SmtpOptionsValidator().Validate(null, new SmtpOptions { From = from });
        Assert.Equal(valid, result.Succeeded);
    }

    [Fact]
    public void UsernameWithoutPassword_IsRejected()
    {
        var result = new SmtpOptionsValidator().Validate(null, new SmtpOptions { Host = "smtp.example", Username = "kitalink" });
        Assert.True(result.Failed);
        Assert.Contains("Smtp:Username and Smtp:Password", result.FailureMessage);
    }

    [Theory]
    [InlineData(null, 587, SecureSocketOptions.StartTlsWhenAvailable)]
    [InlineData(true, 587, SecureSocketOptions.StartTls)]
    [InlineData(true, 465, SecureSocketOptions.SslOnConnect)]
    [InlineData(false, 25, SecureSocketOptions.None)]
    public void UseTls_ChoosesTheSocketOptions(bool? useTls, int port, SecureSocketOptions expected) =>
        Assert.Equal(expected, new SmtpOptions { UseTls = useTls, Port = port }.SocketOptions);

    [Fact]
    public void NoHost_MeansPickupDirectory_UnderTheContentRoot()
    {
        var root = Path.Combine(Path.GetTempPath(), "kitalink-root");
        Assert.True(new SmtpOptions { Host = " " }.UsesPickupDirectory);
        Assert.False(new SmtpOptions { Host = "smtp.example" }.UsesPickupDirectory);
        Assert.Equal(Path.Combine(root, ".local", "mail"), MailSetup.PickupDirectory(new SmtpOptions(), root));
        Assert.Equal(Path.GetFullPath(Path.Combine(root, "..", "mail")), MailSetup.PickupDirectory(new SmtpOptions { PickupDirectory = "../mail" }, root));
        Assert.Equal("/var/mail/kitalink", MailSetup.PickupDirectory(new SmtpOptions { PickupDirectory = "/var/mail/kitalink" }, root));
    }

    [Fact]
    public void Outbox_BackoffCapBelowBase_IsRejected()
    {
        var validator = new OutboxOptionsValidator(Options.Create(new SmtpOptions()));
        Assert.True(validator.Validate(null, new OutboxOptions { BackoffBaseSeconds = 60, BackoffCapSeconds = 30 }).Failed);
        Assert.True(validator.Validate(null, new OutboxOptions()).Succeeded);
    }

    [Fact]
    public void Outbox_LeaseShorterThanThreeSmtpTimeouts_IsRejected()
    {
        var validator = new OutboxOptionsValidator(Options.Create(new SmtpOptions { TimeoutSeconds = 60 }));
        Assert.True(validator.Validate(null, new OutboxOptions { LeaseSeconds = 179 }).Failed);
        Assert.True(validator.Validate(null, new OutboxOptions { LeaseSeconds = 180 }).Succeeded);
    }
}
