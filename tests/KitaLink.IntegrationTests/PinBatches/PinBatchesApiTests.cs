using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using KitaLink.Api.Children;
using KitaLink.Api.Guardians;
using KitaLink.Api.Infrastructure.Email;
using KitaLink.Api.Pins;
using KitaLink.IntegrationTests.Infrastructure;
using KitaLink.IntegrationTests.Pdf;
using Microsoft.EntityFrameworkCore;
using static KitaLink.IntegrationTests.Facilities.FacilityTestSupport;
using static KitaLink.IntegrationTests.Pins.PinTestSupport;

namespace KitaLink.IntegrationTests.PinBatches;

public sealed class PinBatchesApiTests(KitaLinkFactory factory) : IClassFixture<KitaLinkFactory>
{
    private const string Batches = "/api/v1/facility/pin-batches";
    private readonly HttpClient _client = factory.CreateClient();

    /// <summary>The routes of this feature that take an id, for the tenant isolation sweep.</summary>
    public static readonly string[] IsolatedRoutes =
    [
        "GET /api/v1/facility/pin-batches/{batchId:guid}",
        "GET /api/v1/facility/pin-batches/{batchId:guid}/letters",
    ];

    private async Task<TestGuardian> ChildAsync(TestFacility facility, string firstName, string lastName, string? group, string? language = null,
        string? email = null)
    {
        var child = await (await _client.PostJsonAsync("/api/v1/facility/children",
            new { firstName, lastName, dateOfBirth = new DateOnly(2022, 5, 1), group }, facility.AdminToken)).ExpectAsync(HttpStatusCode.Created);
        var childId = child.GetProperty("id").GetGuid();
        var guardian = await (await _client.PostJsonAsync($"/api/v1/facility/children/{childId}/guardians",
            new { name = $"Eltern {lastName}", relationship = "Mutter", email = email ?? UniqueEmail(), preferredLanguage = language, confirmSuspectEmail = email is not null }, facility.AdminToken))
            .ExpectAsync(HttpStatusCode.Created);
        return new TestGuardian(facility.Id, childId, guardian.GetProperty("id").GetGuid(), guardian.GetProperty("email").GetString()!);
    }

    private static Dictionary<Guid, JsonElement> ByGuardian(JsonElement batch) =>
        batch.GetProperty("guardians").EnumerateArray().ToDictionary(g => g.GetProperty("guardianId").GetGuid());

    [Fact]
    public async Task Batch_ForAGroup_CreatesForThoseWithoutAccountOrPendingPair_AndSkipsOrRefusesTheRest()
    {
        var facility = await _client.CreateFacilityAsync();
        var fresh = await ChildAsync(facility, "Ali", "Yilmaz", "Igel", "tr");
        var pending = await ChildAsync(facility, "Ben", "Berg", "Igel");
        var linked = await ChildAsync(facility, "Cem", "Celik", "Igel");
        var noAddress = await ChildAsync(facility, "Dana", "Dorn", "Igel");
        var otherGroup = await ChildAsync(facility, "Emil", "Ernst", "Füchse");
        // Kept by staff although the address check found a provider typo: the batch leaves it to a check with the parent.
        var suspect = await ChildAsync(facility, "Finn", "Fink", "Igel", email: $"fink.{Guid.NewGuid():N}@gmial.com");
        var pendingPins = await (await _client.PostJsonAsync(PinsPath(pending), null, facility.AdminToken)).ExpectAsync(HttpStatusCode.Created);
        await _client.RegisterAsync(linked.Email, await factory.CreatePinsAsync(_client, facility, linked));
        await factory.WithDbAsync(db => db.Database.ExecuteSqlAsync($"UPDATE guardians SET email = '' WHERE id = {noAddress.GuardianId}"));

        var batch = await (await _client.PostJsonAsync(Batches, new { group = "igel" }, facility.EducatorToken)).ExpectAsync(HttpStatusCode.Created);

        var results = ByGuardian(batch);
        Assert.Equal(5, results.Count);
        Assert.DoesNotContain(otherGroup.GuardianId, results.Keys);
        Assert.Equal("created", results[fresh.GuardianId].GetProperty("outcome").GetString());
        Assert.Equal(JsonValueKind.Null, results[fresh.GuardianId].GetProperty("reason").ValueKind);
        Assert.Equal(("skipped", "pending_pair"), Outcome(results[pending.GuardianId]));
        Assert.Equal(("skipped", "already_linked"), Outcome(results[linked.GuardianId]));
        Assert.Equal(("refused", "address_missing"), Outcome(results[noAddress.GuardianId]));
        Assert.Equal(("refused", "address_suspect"), Outcome(results[suspect.GuardianId]));
        Assert.Equal(1, batch.GetProperty("counts").GetProperty("created").GetInt32());
        Assert.Equal(2, batch.GetProperty("counts").GetProperty("skipped").GetInt32());
        Assert.Equal(2, batch.GetProperty("counts").GetProperty("refused").GetInt32());

        // The created pair is an ordinary pair: PIN 2 mailed in the family's language with German second, audited with the batch.
        var view = await _client.PinViewAsync(facility.AdminToken, fresh);
        Assert.Equal("pending", view.GetProperty("status").GetString());
        Assert.Equal(results[fresh.GuardianId].GetProperty("pinPairId").GetGuid(), view.GetProperty("pinPairId").GetGuid());
        var mail = await factory.Smtp.WaitForMailAsync(fresh.Email, view.GetProperty("pin2Delivery").GetProperty("messageId").GetGuid());
        var text = mail.TextBody ?? "";
        var turkish = text.IndexOf("Merhaba", StringComparison.Ordinal);
        var german = text.IndexOf("Guten Tag", StringComparison.Ordinal);
        Assert.True(turkish >= 0 && german > turkish, text);
        Assert.DoesNotContain(view.GetProperty("pin1").GetString()!, text);
        var batchId = batch.GetProperty("batchId").GetGuid().ToString();
        var created = await factory.WithDbAsync(db => db.AuditEvents
            .Where(e => e.GuardianId == fresh.GuardianId && e.Action == Api.Audit.AuditActions.PinsCreated).Select(e => e.Data).ToListAsync());
        Assert.Contains(batchId, Assert.Single(created));

        // The skipped pending pair is untouched; nobody else got a pair.
        Assert.Equal(pendingPins.GetProperty("pin1").GetString(), (await _client.PinViewAsync(facility.AdminToken, pending)).GetProperty("pin1").GetString());
        Assert.Equal("none", (await _client.PinViewAsync(facility.AdminToken, noAddress)).GetProperty("status").GetString());
        Assert.Equal("none", (await _client.PinViewAsync(facility.AdminToken, suspect)).GetProperty("status").GetString());
        Assert.Equal("none", (await _client.PinViewAsync(facility.AdminToken, otherGroup)).GetProperty("status").GetString());
    }

    private static (string?, string?) Outcome(JsonElement result) =>
        (result.GetProperty("outcome").GetString(), result.GetProperty("reason").GetString());

    [Fact]
    public async Task Batch_ForChildren_SkipsChildrenWhoLeft_AndRenewPendingReplacesPendingPairs()
    {
        var facility = await _client.CreateFacilityAsync();
        var staying = await ChildAsync(facility, "Finn", "Fuchs", null);
        var left = await ChildAsync(facility, "Greta", "Graf", null);
        await _client.SetChildStatusAsync(facility, left.ChildId, "left");
        var old = await (await _client.PostJsonAsync(PinsPath(staying), null, facility.AdminToken)).ExpectAsync(HttpStatusCode.Created);

        var batch = await (await _client.PostJsonAsync(Batches,
            new { childIds = new[] { staying.ChildId, left.ChildId }, renewPending = true }, facility.AdminToken)).ExpectAsync(HttpStatusCode.Created);

        var results = ByGuardian(batch);
        Assert.Equal("created", results[staying.GuardianId].GetProperty("outcome").GetString());
        Assert.Equal(("skipped", "child_left"), Outcome(results[left.GuardianId]));
        var pairs = await factory.WithDbAsync(db => db.PinPairs.Where(p => p.GuardianId == staying.GuardianId).ToListAsync());
        Assert.Equal(2, pairs.Count);
        Assert.Equal(PinPairState.Revoked, pairs.Single(p => p.Id == old.GetProperty("pinPairId").GetGuid()).State);
    }

    [Fact]
    public async Task Batch_AllWithoutAccount_CoversActiveChildrenOfTheFacilityOnly()
    {
        var facility = await _client.CreateFacilityAsync();
        var other = await _client.CreateFacilityAsync();
        var one = await ChildAsync(facility, "Hanna", "Hahn", "Igel");
        var two = await ChildAsync(facility, "Ida", "Igel", null);
        var foreign = await _client.CreateChildWithGuardianAsync(other, UniqueEmail());

        var batch = await (await _client.PostJsonAsync(Batches, new { allWithoutAccount = true }, facility.AdminToken)).ExpectAsync(HttpStatusCode.Created);

        var results = ByGuardian(batch);
        Assert.Equal(new[] { one.GuardianId, two.GuardianId }.Order(), results.Keys.Order());
        Assert.All(results.Values, r => Assert.Equal("created", r.GetProperty("outcome").GetString()));
        Assert.Equal("none", (await _client.PinViewAsync(other.AdminToken, foreign)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Batch_RetriedWithTheSameKeyOrRequest_AnswersTheFirstBatch_AndMakesNoSecondSet()
    {
        var facility = await _client.CreateFacilityAsync();
        var a = await ChildAsync(facility, "Jan", "Jung", "Bären");
        var b = await ChildAsync(facility, "Kai", "Klein", "Bären");

        var first = await (await _client.PostJsonAsync(Batches, new { group = "Bären", renewPending = true, requestKey = "year-2026-baeren" }, facility.AdminToken))
            .ExpectAsync(HttpStatusCode.Created);
        var again = await (await _client.PostJsonAsync(Batches, new { group = "Bären", renewPending = true, requestKey = "year-2026-baeren" }, facility.EducatorToken))
            .ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(first.GetProperty("batchId").GetGuid(), again.GetProperty("batchId").GetGuid());
        Assert.Equal(first.GetProperty("guardians").ToString(), again.GetProperty("guardians").ToString());

        // The same key for another request is refused.
        var reused = await (await _client.PostJsonAsync(Batches, new { group = "Igel", requestKey = "year-2026-baeren" }, facility.AdminToken))
            .ExpectProblemAsync((HttpStatusCode)422, "idempotency_key_reused");
        Assert.Equal("idempotency_key_reused", reused.GetProperty("code").GetString());
        // Without a key, the same request over the same guardians is recognised as a retry.
        var keyless = await (await _client.PostJsonAsync(Batches, new { group = "Bären" }, facility.AdminToken)).ExpectAsync(HttpStatusCode.Created);
        var keylessAgain = await (await _client.PostJsonAsync(Batches, new { group = "Bären" }, facility.AdminToken)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(keyless.GetProperty("batchId").GetGuid(), keylessAgain.GetProperty("batchId").GetGuid());

        foreach (var guardian in new[] { a, b })
        {
            Assert.Equal(1, await factory.WithDbAsync(db => db.PinPairs.CountAsync(p => p.GuardianId == guardian.GuardianId)));
        }
        Assert.Equal(2, await factory.WithDbAsync(db => db.PinBatches.CountAsync(x => x.FacilityId == facility.Id)));
    }

    [Fact]
    public async Task Batch_WithIdempotencyKeyHeader_ReplaysTheStoredAnswer()
    {
        var facility = await _client.CreateFacilityAsync();
        var guardian = await ChildAsync(facility, "Olga", "Orlow", "Eulen");
        async Task<HttpResponseMessage> SendAsync()
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, Batches) { Content = JsonContent.Create(new { group = "Eulen", renewPending = true }) };
            request.Headers.Authorization = new("Bearer", facility.AdminToken);
            request.Headers.Add("Idempotency-Key", "eulen-" + facility.Id);
            return await _client.SendAsync(request);
        }

        var first = await (await SendAsync()).ExpectAsync(HttpStatusCode.Created);
        var retry = await SendAsync();
        Assert.Equal(first.GetProperty("batchId").GetGuid(), (await retry.ExpectAsync(HttpStatusCode.Created)).GetProperty("batchId").GetGuid());
        Assert.Equal("true", retry.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(1, await factory.WithDbAsync(db => db.PinPairs.CountAsync(p => p.GuardianId == guardian.GuardianId)));
    }

    [Fact]
    public async Task Batch_ConcurrentRetries_MakeOneSet()
    {
        var facility = await _client.CreateFacilityAsync();
        var guardian = await ChildAsync(facility, "Lea", "Lang", "Mäuse");

        var answers = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ =>
            _client.PostJsonAsync(Batches, new { group = "Mäuse", requestKey = "double-click" }, facility.AdminToken)));

        Assert.Equal(1, answers.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.Equal(3, answers.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.Equal(1, await factory.WithDbAsync(db => db.PinPairs.CountAsync(p => p.GuardianId == guardian.GuardianId)));
    }

    [Fact]
    public async Task Batch_BadSelections_Are400_AndTooManyGuardians_Are400_WithNothingMade()
    {
        var facility = await _client.CreateFacilityAsync();
        await (await _client.PostJsonAsync(Batches, new { group = "Igel", allWithoutAccount = true }, facility.AdminToken))
            .ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        await (await _client.PostJsonAsync(Batches, new { }, facility.AdminToken)).ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        await (await _client.PostJsonAsync(Batches, new { childIds = Enumerable.Range(0, 301).Select(_ => Guid.NewGuid()) }, facility.AdminToken))
            .ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");

        // 301 guardians in one group.
        var child = await ChildAsync(facility, "Max", "Muster", "Riesen");
        await factory.WithDbAsync(async db =>
        {
            var now = DateTimeOffset.UtcNow;
            for (var i = 0; i < PinBatch.MaxGuardians; i++)
            {
                db.Guardians.Add(new Guardian(facility.Id, child.ChildId, $"Person {i}", "Tante", UniqueEmail(), now));
            }
            await db.SaveChangesAsync();
        });
        var tooLarge = await (await _client.PostJsonAsync(Batches, new { group = "Riesen" }, facility.AdminToken))
            .ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        AssertErrorFields(tooLarge, "selection");
        Assert.Equal(0, await factory.WithDbAsync(db => db.PinPairs.CountAsync(p => p.FacilityId == facility.Id)));
        Assert.Equal(0, await factory.WithDbAsync(db => db.PinBatches.CountAsync(b => b.FacilityId == facility.Id)));
    }

    [Fact]
    public async Task Batch_OfAnotherFacility_Is404_AndItsChildIdsAre404()
    {
        var a = await _client.CreateFacilityAsync();
        var b = await _client.CreateFacilityAsync();
        var victim = await ChildAsync(a, "Nora", "Neu", "Igel");
        var batch = await (await _client.PostJsonAsync(Batches, new { group = "Igel" }, a.AdminToken)).ExpectAsync(HttpStatusCode.Created);
        var batchId = batch.GetProperty("batchId").GetGuid();

        foreach (var token in new[] { b.AdminToken, b.EducatorToken })
        {
            await (await _client.GetAsync($"{Batches}/{batchId}", token)).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
            await (await _client.GetAsync($"{Batches}/{batchId}/letters", token)).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
            await (await _client.PostJsonAsync(Batches, new { childIds = new[] { victim.ChildId } }, token)).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
            // B's "Igel" is B's own (empty) group.
            var own = await (await _client.PostJsonAsync(Batches, new { group = "Igel", requestKey = Guid.NewGuid().ToString() }, token)).ExpectAsync(HttpStatusCode.Created);
            Assert.Equal(0, own.GetProperty("guardians").GetArrayLength());
        }
        Assert.Equal(1, await factory.WithDbAsync(db => db.PinPairs.CountAsync(p => p.GuardianId == victim.GuardianId)));
        await (await _client.GetAsync($"{Batches}/{batchId}", a.EducatorToken)).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Letters_OnePagePerPendingPair_SortedByGroupAndChild_EachWithPin1ExpiryEmailAndScannableQr()
    {
        var facility = await _client.CreateFacilityAsync();
        await (await _client.PatchJsonAsync("/api/v1/facility", new { address = "Lindenweg 3\n10115 Berlin", phone = "+49 30 555 0101", email = "kita@linden.example" }, facility.AdminToken))
            .ExpectAsync(HttpStatusCode.OK);
        var zebra = await ChildAsync(facility, "Zoe", "Zander", "Bären", "uk");
        var adam = await ChildAsync(facility, "Adam", "Albrecht", "Igel", "pl");
        var bruno = await ChildAsync(facility, "Bruno", "Bauer", "Bären", "ru");
        var noGroup = await ChildAsync(facility, "Anna", "Abel", null);

        var batch = await (await _client.PostJsonAsync(Batches, new { allWithoutAccount = true }, facility.AdminToken)).ExpectAsync(HttpStatusCode.Created);
        var expectedOrder = new[] { bruno, zebra, adam, noGroup };
        Assert.Equal(expectedOrder.Select(g => g.GuardianId), batch.GetProperty("guardians").EnumerateArray().Select(g => g.GetProperty("guardianId").GetGuid()));

        var response = await _client.GetAsync(batch.GetProperty("lettersUrl").GetString()!, facility.EducatorToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/pdf", response.Content.Headers.ContentType?.MediaType);
        var pdf = await response.Content.ReadAsByteArrayAsync();

        var pages = LetterReader.PageTexts(pdf);
        var codes = LetterReader.QrTexts(pdf);
        Assert.Equal(expectedOrder.Length, pages.Count);
        for (var i = 0; i < expectedOrder.Length; i++)
        {
            var pin = await _client.PinViewAsync(facility.AdminToken, expectedOrder[i]);
            var pin1 = pin.GetProperty("pin1").GetString()!;
            Assert.Contains(pin1, pages[i]);
            Assert.Contains(KitaTime.GermanDateTime(pin.GetProperty("expiresAt").GetDateTimeOffset()), pages[i]);
            Assert.Contains(expectedOrder[i].Email, pages[i]);
            Assert.Contains("Lindenweg 3", pages[i]);
            Assert.Equal($"https://app.kitalink.example/register?pin1={pin1}", codes[i]);
        }
        Assert.Contains("Введите PIN 1", pages[0]);
        Assert.Contains("Введіть PIN 1", pages[1]);
        Assert.Contains("Wpisz PIN 1", pages[2]);

        // A pair revoked since drops out of the letters.
        await (await _client.DeleteAsync(PinsPath(zebra), facility.AdminToken)).ExpectAsync(HttpStatusCode.NoContent);
        var after = LetterReader.PageTexts(await (await _client.GetAsync(batch.GetProperty("lettersUrl").GetString()!, facility.AdminToken)).Content.ReadAsByteArrayAsync());
        Assert.Equal(3, after.Count);
    }
}
