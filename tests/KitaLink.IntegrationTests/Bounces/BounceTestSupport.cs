using System.Net;
using System.Text.Json;
using KitaLink.IntegrationTests.Infrastructure;
using KitaLink.IntegrationTests.Pins;
using MailKit;
using MailKit.Net.Imap;
using MimeKit;

namespace KitaLink.IntegrationTests.Bounces;

/// <summary>A PIN 2 mail that went out: where it is in the staff API, its envelope sender (return path) and Message-ID.</summary>
public sealed record SentPin2(TestFacility Facility, TestGuardian Guardian, Guid MessageId, string ReturnPath, string MessageIdHeader);

public static class BounceTestSupport
{
    /// <summary>Creates a guardian and PINs, waits until the SMTP peer accepted PIN 2, and reads the mail's return path there.</summary>
    public static async Task<SentPin2> SendPin2Async(this KitaLinkFactory factory, HttpClient client, TestFacility? facility = null, string prefix = "bounce")
    {
        facility ??= await client.CreateFacilityAsync();
        var guardian = await client.CreateChildWithGuardianAsync(facility, ParentApi.UniqueEmail(prefix: prefix));
        var created = await (await client.PostJsonAsync(
            $"/api/v1/facility/children/{guardian.ChildId}/guardians/{guardian.GuardianId}/pins", null, facility.AdminToken))
            .ExpectAsync(HttpStatusCode.Created);
        var messageId = created.GetProperty("pin2Delivery").GetProperty("messageId").GetGuid();
        var mail = await factory.Smtp.WaitForMailAsync(guardian.Email, messageId);
        await client.WaitForDeliveryAsync(facility.AdminToken, guardian, "sent");
        var returnPath = factory.Smtp.EnvelopeSenderOf(mail) ?? throw new InvalidOperationException("no envelope sender recorded");
        return new SentPin2(facility, guardian, messageId, returnPath, mail.MessageId!);
    }

    /// <summary>A bounce fixture for this mail, delivered over LMTP to its return path (as the bounce domain's MX would).</summary>
    public static async Task<MimeMessage> BounceAsync(this SentPin2 sent, string fixture, string? bounceId = null)
    {
        var bounce = BounceFixtures.Load(fixture, sent.ReturnPath, sent.Guardian.Email, sent.MessageIdHeader, bounceId);
        await ImapServer.DeliverAsync(sent.ReturnPath, bounce);
        return bounce;
    }

    public static async Task<List<JsonElement>> AuditAsync(this HttpClient client, SentPin2 sent, string action)
    {
        var trail = await (await client.GetAsync($"/api/v1/facility/children/{sent.Guardian.ChildId}/events?limit=100", sent.Facility.AdminToken))
            .ExpectAsync(HttpStatusCode.OK);
        return trail.GetProperty("items").EnumerateArray().Where(e => e.GetProperty("action").GetString() == action).ToList();
    }

    /// <summary>Message counts of the factory's mailbox folders (inbox, processed, rejected).</summary>
    public static async Task<(int Inbox, int Processed, int Rejected)> FolderCountsAsync(this BounceFactory factory)
    {
        using var client = new ImapClient();
        await client.ConnectAsync("127.0.0.1", factory.ImapPort, MailKit.Security.SecureSocketOptions.None);
        await client.AuthenticateAsync(factory.LocalPart, ImapServer.Password);
        async Task<int> Count(string name)
        {
            try
            {
                var folder = await client.GetFolderAsync(name);
                await folder.StatusAsync(StatusItems.Count);
                return folder.Count;
            }
            catch (FolderNotFoundException)
            {
                return 0;
            }
        }
        var counts = (await Count("INBOX"), await Count("KitaLink-Processed"), await Count("KitaLink-Rejected"));
        await client.DisconnectAsync(true);
        return counts;
    }

    /// <summary>Appends a message to the factory's inbox over IMAP (what a mail server that does not speak LMTP would leave there).</summary>
    public static async Task AppendAsync(this BounceFactory factory, MimeMessage message)
    {
        using var client = new ImapClient();
        await client.ConnectAsync("127.0.0.1", factory.ImapPort, MailKit.Security.SecureSocketOptions.None);
        await client.AuthenticateAsync(factory.LocalPart, ImapServer.Password);
        await client.Inbox.AppendAsync(new AppendRequest(message));
        await client.DisconnectAsync(true);
    }

    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, int seconds = 30)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(seconds);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting for {what}");
            await Task.Delay(100);
        }
    }
}
