using System.Net;
using System.Text.Json;
using KitaLink.Api.Pins;
using KitaLink.IntegrationTests.Infrastructure;
using KitaLink.IntegrationTests.Pins;
using Microsoft.EntityFrameworkCore;
using SmtpServer.Protocol;

namespace KitaLink.IntegrationTests.Onboarding;

/// <summary>
/// A facility seeded through the API with one guardian in every onboarding state (plus one in another group,
/// a child that left and another facility), and the overview's counts, to-do list, filters, language and paging.
/// </summary>
public sealed class OnboardingOverviewTests(OnboardingOverviewTests.SeededFacility seeded) : IClassFixture<OnboardingOverviewTests.SeededFacility>
{
    private const string Path = "/api/v1/facility/onboarding";
    private readonly HttpClient _client = seeded.CreateClient();

    public sealed class SeededFacility : KitaLinkFactory
    {
        public TestFacility Facility { get; private set; } = null!;
        public Dictionary<string, TestGuardian> Guardians { get; } = [];

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            var client = CreateClient();
            Facility = await client.CreateFacilityAsync();

            async Task<TestGuardian> Guardian(string state, string? email = null, string group = "Marienkäfer")
            {
                email ??= $"{state.Replace('_', '-')}.{Guid.NewGuid():N}"[..24] + "@example.org";
                var child = await (await client.PostJsonAsync("/api/v1/facility/children",
                    new { firstName = state.Replace("_", "-", StringComparison.Ordinal), lastName = "Kind", dateOfBirth = "2022-03-14", group }, Facility.AdminToken)).ExpectAsync(HttpStatusCode.Created);
                var childId = child.GetProperty("id").GetGuid();
                var created = await (await client.PostJsonAsync($"/api/v1/facility/children/{childId}/guardians",
                    new { name = "Julia Schneider", relationship = "Mutter", email, confirmSuspectEmail = true }, Facility.AdminToken))
                    .ExpectAsync(HttpStatusCode.Created);
                var guardian = new TestGuardian(Facility.Id, childId, created.GetProperty("id").GetGuid(), email);
                Guardians[state] = guardian;
                return guardian;
            }
            async Task<JsonElement> CreatePins(TestGuardian guardian) =>
                await (await client.PostJsonAsync(PinTestSupport.PinsPath(guardian), null, Facility.AdminToken)).ExpectAsync(HttpStatusCode.Created);

            await Guardian("no_pins");
            await Guardian("address_suspect", "julia@gmial.com");

            var pending = await Guardian("pending");
            await CreatePins(pending);
            await client.WaitForDeliveryAsync(Facility.AdminToken, pending, "sent");

            var queued = await Guardian("mail_queued");
            Smtp.Reject(queued.Email, SmtpReplyCode.ExceededStorage, "4.2.2 mailbox temporarily over quota"); // 4xx: retried later, stays queued
            await CreatePins(queued);

            var failed = await Guardian("mail_failed");
            Smtp.Reject(failed.Email, SmtpReplyCode.MailboxUnavailable, "5.1.1 unknown mailbox"); // 550: permanent
            await CreatePins(failed);
            await client.WaitForDeliveryAsync(Facility.AdminToken, failed, "failed");

            var wrongEmail = await Guardian("wrong_email_tried");
            var wrongEmailPins = await this.CreatePinsAsync(client, Facility, wrongEmail);
            await (await client.RegisterAsync("jemand.anderes@example.org", wrongEmailPins.Pin1, wrongEmailPins.Pin2))
                .ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, "email_mismatch");

            var locked = await Guardian("locked");
            var lockedPins = await this.CreatePinsAsync(client, Facility, locked);
            var wrongPin2 = lockedPins.Pin2 == "2222-2222" ? "3333-3333" : "2222-2222";
            for (var i = 0; i < PinPair.MaxFailedAttempts; i++)
            {
                await client.RegisterAsync(locked.Email, lockedPins.Pin1, wrongPin2);
            }

            var expired = await Guardian("expired");
            var expiredPins = await this.CreatePinsAsync(client, Facility, expired);
            var expiredAt = Time.GetUtcNow().AddMinutes(-1);
            await this.QueryDbAsync(db => db.PinPairs.Where(p => p.GuardianId == expiredPins.GuardianId)
                .ExecuteUpdateAsync(s => s.SetProperty(p => p.ExpiresAt, expiredAt)));

            var linked = await Guardian("linked");
            await client.RegisterAsync(linked.Email, await this.CreatePinsAsync(client, Facility, linked));

            // Another group, a child that left, and another facility.
            await Guardian("igel_no_pins", group: "Igel");
            var left = await Guardian("left_no_pins");
            await client.SetChildStatusAsync(Facility, left.ChildId, "left");
            var other = await client.CreateFacilityAsync();
            await client.CreateChildWithGuardianAsync(other, ParentApi.UniqueEmail());
        }
    }

    [Fact]
    public async Task Counts_OneGuardianPerState_OnlyActiveChildrenOfTheCallersFacility()
    {
        var overview = await (await _client.GetAsync(Path, seeded.Facility.EducatorToken)).ExpectAsync(HttpStatusCode.OK);
        var counts = overview.GetProperty("counts");
        Assert.Equal(2, counts.GetProperty("noPins").GetInt32()); // one in Marienkäfer, one in Igel; the child that left is not counted
        foreach (var state in new[] { "pending", "mailQueued", "mailFailed", "addressSuspect", "wrongEmailTried", "locked", "expired", "linked" })
        {
            Assert.True(counts.GetProperty(state).GetInt32() == 1, $"{state}: {counts}");
        }
        Assert.Equal(10, overview.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Items_AreTheGuardiansThatNeedAnAction_WithTheActionInWords()
    {
        var overview = await (await _client.GetAsync(Path, seeded.Facility.AdminToken)).ExpectAsync(HttpStatusCode.OK);
        var items = overview.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(
            ["address_suspect", "expired", "locked", "mail_failed", "no_pins", "no_pins", "wrong_email_tried"],
            items.Select(i => i.GetProperty("state").GetString()).Order(StringComparer.Ordinal));
        var failed = items.Single(i => i.GetProperty("state").GetString() == "mail_failed");
        Assert.Equal(seeded.Guardians["mail_failed"].GuardianId, failed.GetProperty("guardianId").GetGuid());
        Assert.Equal("correct_address_and_create_pins", failed.GetProperty("action").GetString());
        Assert.Equal("PIN 2 could not be delivered: correct the address and create new PINs.", failed.GetProperty("actionText").GetString());
        var wrong = items.Single(i => i.GetProperty("state").GetString() == "wrong_email_tried");
        Assert.Equal(1, wrong.GetProperty("wrongEmailAttempts").GetInt32());
        Assert.Equal("create_pins_and_hand_over_letter", items.Single(i => i.GetProperty("state").GetString() == "expired").GetProperty("action").GetString());
        Assert.Equal(JsonValueKind.Null, overview.GetProperty("nextCursor").ValueKind);
    }

    [Fact]
    public async Task ActionText_IsGerman_ForAcceptLanguageDe()
    {
        var overview = await (await _client.GetAsync($"{Path}?state=no_pins", seeded.Facility.AdminToken, language: "de")).ExpectAsync(HttpStatusCode.OK);
        Assert.All(overview.GetProperty("items").EnumerateArray(),
            i => Assert.Equal("PINs erstellen und den Brief übergeben.", i.GetProperty("actionText").GetString()));
    }

    [Fact]
    public async Task StateFilter_ListsTheGuardiansInThatState_CountsStayComplete()
    {
        var overview = await (await _client.GetAsync($"{Path}?state=pending", seeded.Facility.AdminToken)).ExpectAsync(HttpStatusCode.OK);
        var item = Assert.Single(overview.GetProperty("items").EnumerateArray());
        Assert.Equal(seeded.Guardians["pending"].GuardianId, item.GetProperty("guardianId").GetGuid());
        Assert.Equal("none", item.GetProperty("action").GetString());
        Assert.Equal(10, overview.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task GroupFilter_CountsAndListsOnlyThatGroup()
    {
        var overview = await (await _client.GetAsync($"{Path}?group=Igel", seeded.Facility.AdminToken)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(1, overview.GetProperty("total").GetInt32());
        Assert.Equal(1, overview.GetProperty("counts").GetProperty("noPins").GetInt32());
        var item = Assert.Single(overview.GetProperty("items").EnumerateArray());
        Assert.Equal(seeded.Guardians["igel_no_pins"].GuardianId, item.GetProperty("guardianId").GetGuid());
        Assert.Equal("Igel", item.GetProperty("group").GetString());
    }

    [Fact]
    public async Task Paging_WithLimitAndCursor_WalksTheListWithoutGapsOrRepeats()
    {
        var all = (await (await _client.GetAsync(Path, seeded.Facility.AdminToken)).ExpectAsync(HttpStatusCode.OK))
            .GetProperty("items").EnumerateArray().Select(i => i.GetProperty("guardianId").GetGuid()).ToList();
        var paged = new List<Guid>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await (await _client.GetAsync($"{Path}?limit=2{(cursor is null ? "" : "&cursor=" + cursor)}", seeded.Facility.AdminToken))
                .ExpectAsync(HttpStatusCode.OK);
            var ids = page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("guardianId").GetGuid()).ToList();
            Assert.InRange(ids.Count, 1, 2);
            paged.AddRange(ids);
            cursor = page.GetProperty("nextCursor").GetString();
            pages++;
        }
        while (cursor is not null && pages < 10);
        Assert.Equal(all, paged);
        Assert.Equal(4, pages);
    }

    [Theory]
    [InlineData("?state=done", "state")]
    [InlineData("?limit=0", "limit")]
    [InlineData("?limit=201", "limit")]
    [InlineData("?cursor=bm90LWEtY3Vyc29y", "cursor")]
    public async Task InvalidQuery_Is400(string query, string field)
    {
        var problem = await (await _client.GetAsync(Path + query, seeded.Facility.AdminToken)).ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.True(problem.HasFieldError(field), problem.ToString());
    }

    [Fact]
    public async Task ParentsAndAnonymousCallers_CannotReadIt()
    {
        await (await _client.GetAsync(Path, null)).ExpectProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
        var email = ParentApi.UniqueEmail();
        var parent = await _client.RegisterAsync(email, await seeded.IssuePinsAsync(email));
        await (await _client.GetAsync(Path, parent.AccessToken)).ExpectProblemAsync(HttpStatusCode.Forbidden, "forbidden");
    }
}
