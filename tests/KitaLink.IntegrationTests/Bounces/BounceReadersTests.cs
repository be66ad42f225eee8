using KitaLink.Api.Audit;
using KitaLink.Api.MailEvents;
using KitaLink.IntegrationTests.Facilities;
using KitaLink.IntegrationTests.Infrastructure;
using KitaLink.IntegrationTests.Pins;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KitaLink.IntegrationTests.Bounces;

/// <summary>Several readers on one mailbox, and a reader restarted between recording a bounce and moving it: each bounce counts once.</summary>
public sealed class BounceReadersTests(BounceReadersTests.ManualReaderFactory factory) : IClassFixture<BounceReadersTests.ManualReaderFactory>
{
    /// <summary>No hosted reader: the tests run the readers themselves.</summary>
    public sealed class ManualReaderFactory : BounceFactory
    {
        protected override bool ReaderRuns => false;
    }

    private readonly HttpClient _client = factory.CreateClient();

    private BounceMailbox NewReader() => ActivatorUtilities.CreateInstance<BounceMailbox>(factory.Services);

    [Fact]
    public async Task TwoReadersAtOnce_RecordEachBounceOnce()
    {
        var facility = await _client.CreateFacilityAsync();
        var before = await factory.FolderCountsAsync();
        var sent = new List<SentPin2>();
        for (var i = 0; i < 12; i++)
        {
            sent.Add(await factory.SendPin2Async(_client, facility));
        }
        foreach (var mail in sent)
        {
            await mail.BounceAsync(sent.IndexOf(mail) % 2 == 0 ? "postfix-unknown-user.eml" : "exim-mailbox-full.eml");
        }

        var results = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => Task.Run(() => NewReader().ProcessOnceAsync(CancellationToken.None))));
        // Whatever one reader left (it started late and found the folder changing), a further round picks up.
        await NewReader().ProcessOnceAsync(CancellationToken.None);

        Assert.Equal(12, results.Sum(r => r.Recorded));
        var ids = sent.Select(s => s.MessageId).ToList();
        var events = await factory.WithDbAsync(db => db.MailDeliveryEvents.Where(e => ids.Contains(e.OutboxMessageId)).ToListAsync());
        Assert.Equal(12, events.Count);
        Assert.Equal(12, events.Select(e => e.OutboxMessageId).Distinct().Count());
        foreach (var mail in sent)
        {
            Assert.Single(await _client.AuditAsync(mail, AuditActions.Pin2Bounced));
            Assert.Equal("bounced", (await _client.PinViewAsync(facility.AdminToken, mail.Guardian)).GetProperty("pin2Delivery").GetProperty("status").GetString());
        }
        var counts = await factory.FolderCountsAsync();
        Assert.Equal(0, counts.Inbox);
        // Every bounce is filed. Two readers moving one message at the same moment can both copy it before either
        // expunges it (IMAP MOVE is copy, then expunge): a second copy in the processed folder is harmless, the
        // bounce was recorded once (above). A CI run on a loaded machine saw every message filed twice.
        Assert.InRange(counts.Processed - before.Processed, 12, 24);
    }

    [Fact]
    public async Task AReaderRestartedAfterRecordingButBeforeMoving_FindsTheBounceRecorded_AndOnlyMovesIt()
    {
        var sent = await factory.SendPin2Async(_client);
        var bounce = await sent.BounceAsync("postfix-unknown-user.eml", bounceId: Guid.NewGuid().ToString("N"));
        var first = await NewReader().ProcessOnceAsync(CancellationToken.None);
        Assert.Equal(1, first.Recorded);

        // The crash case: the bounce is back in the inbox as if the move had never happened.
        await factory.AppendAsync(bounce);
        var second = await NewReader().ProcessOnceAsync(CancellationToken.None);

        Assert.Equal(0, second.Recorded);
        Assert.Equal(1, second.Duplicates);
        Assert.Equal(1, await factory.WithDbAsync(db => db.MailDeliveryEvents.CountAsync(e => e.OutboxMessageId == sent.MessageId)));
        Assert.Single(await _client.AuditAsync(sent, AuditActions.Pin2Bounced));
        Assert.Equal(0, (await factory.FolderCountsAsync()).Inbox);
    }

    [Fact]
    public async Task UnreachableImapServer_FailsTheRoundWithoutLosingAnything()
    {
        var options = Microsoft.Extensions.Options.Options.Create(new KitaLink.Api.Infrastructure.Email.BounceOptions
        {
            Domain = BounceFactory.Domain,
            Imap = { Host = "127.0.0.1", Port = SmtpPeerFreePort(), UseTls = false, TimeoutSeconds = 2 },
        });
        var reader = ActivatorUtilities.CreateInstance<BounceMailbox>(factory.Services, options);
        await Assert.ThrowsAnyAsync<Exception>(() => reader.ProcessOnceAsync(CancellationToken.None));
    }

    private static int SmtpPeerFreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
