using System.Diagnostics;
using System.Net;
using System.Text.Json;
using KitaLink.Api.Audit;
using KitaLink.IntegrationTests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static KitaLink.IntegrationTests.Facilities.FacilityTestSupport;

namespace KitaLink.IntegrationTests.AddressCheck;

/// <summary>The guardian address check against a real DNS server (dnsmasq on 127.0.0.1) through the staff API.</summary>
public sealed class AddressCheckTests(DnsFactory factory) : IClassFixture<DnsFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Theory]
    [InlineData(DnsServer.MxDomain, "mx")]
    [InlineData(DnsServer.AOnlyDomain, "address_record")]
    [InlineData(DnsServer.AaaaOnlyDomain, "address_record")]
    public async Task CreateGuardian_WithDomainThatReceivesMail_PassesWithoutExtraStep_AndStoresTheResult(string domain, string mailServer)
    {
        var facility = await factory.SharedFacilityAsync();
        var childId = await CreateChildAsync(facility);
        var email = $"eltern@{domain}";

        var created = await (await CreateGuardianAsync(facility, childId, email)).ExpectAsync(HttpStatusCode.Created);

        AssertCheck(created, "passed", mailServer, []);
        var stored = await (await _client.GetAsync($"/api/v1/facility/children/{childId}/guardians/{created.GetProperty("id").GetGuid()}",
            facility.EducatorToken)).ExpectAsync(HttpStatusCode.OK);
        AssertCheck(stored, "passed", mailServer, []);
        Assert.Equal(JsonValueKind.Null, stored.GetProperty("emailCheck").GetProperty("suggestion").ValueKind);
    }

    [Theory]
    [InlineData(DnsServer.MissingDomain)]
    [InlineData(DnsServer.NoMailDomain)]
    public async Task CreateGuardian_WithDomainThatCannotReceiveMail_Is422NoMailServer_AndStoresNothing(string domain)
    {
        var facility = await factory.SharedFacilityAsync();
        var childId = await CreateChildAsync(facility);

        var problem = await (await CreateGuardianAsync(facility, childId, $"eltern@{domain}"))
            .ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, "email_suspect");

        Assert.Equal(["no_mail_server"], Reasons(problem));
        Assert.Equal(JsonValueKind.Null, problem.GetProperty("suggestion").ValueKind);
        Assert.Equal(0, await factory.WithDbAsync(db => db.Guardians.CountAsync(g => g.ChildId == childId)));
    }

    [Fact]
    public async Task CreateGuardian_WithProviderTypo_Is422DomainTypo_WithSuggestion_InGermanToo()
    {
        var facility = await factory.SharedFacilityAsync();
        var childId = await CreateChildAsync(facility);

        var english = await (await CreateGuardianAsync(facility, childId, "Julia.Schneider@gmial.com"))
            .ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, "email_suspect");
        // gmial.com does not exist on the test DNS server either.
        Assert.Equal(["domain_typo", "no_mail_server"], Reasons(english));
        Assert.Equal("Julia.Schneider@gmail.com", english.GetProperty("suggestion").GetString());
        Assert.Equal("This email address looks wrong.", english.GetProperty("title").GetString());

        var german = await (await _client.PostJsonAsync($"/api/v1/facility/children/{childId}/guardians",
            new { name = "Julia Schneider", relationship = "Mutter", email = "Julia.Schneider@gmial.com" }, facility.AdminToken, language: "de"))
            .ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, "email_suspect");
        Assert.Equal("Diese E-Mail-Adresse sieht falsch aus.", german.GetProperty("title").GetString());
        Assert.Contains("confirmSuspectEmail", german.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, await factory.WithDbAsync(db => db.Guardians.CountAsync(g => g.ChildId == childId)));
    }

    [Theory]
    [InlineData("eltern@kita-mail.con", "eltern@kita-mail.com")]
    [InlineData("eltern@gmx.dee", "eltern@gmx.de")]
    [InlineData("eltern@web.ed", "eltern@web.de")]
    [InlineData("eltern@gmail.cmo", "eltern@gmail.com")]
    public async Task CreateGuardian_WithTldTypo_Is422TldTypo_WithSuggestion(string email, string suggestion)
    {
        var facility = await factory.SharedFacilityAsync();
        var childId = await CreateChildAsync(facility);

        var problem = await (await CreateGuardianAsync(facility, childId, email)).ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, "email_suspect");

        Assert.Equal(["tld_typo", "no_mail_server"], Reasons(problem));
        Assert.Equal(suggestion, problem.GetProperty("suggestion").GetString());
    }

    [Fact]
    public async Task CreateGuardian_AtAKnownProvider_NeedsNoDnsRecord()
    {
        // The test DNS server knows no provider domain: a pass proves the shipped list is trusted without a lookup.
        var facility = await factory.SharedFacilityAsync();
        var created = await (await CreateGuardianAsync(facility, await CreateChildAsync(facility), "eltern@googlemail.com"))
            .ExpectAsync(HttpStatusCode.Created);
        AssertCheck(created, "passed", "known_provider", []);
    }

    [Fact]
    public async Task ConfirmSuspectEmail_KeepsTheAddress_StoresTheCheck_AndIsAudited()
    {
        var facility = await factory.SharedFacilityAsync();
        var childId = await CreateChildAsync(facility);

        var response = await _client.PostJsonAsync($"/api/v1/facility/children/{childId}/guardians",
            new { name = "Julia Schneider", relationship = "Mutter", email = "julia@gmial.com", confirmSuspectEmail = true }, facility.AdminToken);
        var created = await response.ExpectAsync(HttpStatusCode.Created);

        Assert.Equal("julia@gmial.com", created.GetProperty("email").GetString());
        var check = AssertCheck(created, "suspect_confirmed", "none", ["domain_typo", "no_mail_server"]);
        Assert.Equal("julia@gmail.com", check.GetProperty("suggestion").GetString());
        Assert.NotEqual(JsonValueKind.Null, check.GetProperty("confirmedByStaffId").ValueKind);

        var guardianId = created.GetProperty("id").GetGuid();
        var events = await (await _client.GetAsync($"/api/v1/facility/children/{childId}/events", facility.AdminToken)).ExpectAsync(HttpStatusCode.OK);
        var confirmed = events.GetProperty("items").EnumerateArray()
            .Single(e => e.GetProperty("action").GetString() == AuditActions.GuardianSuspectEmailConfirmed);
        Assert.Equal(guardianId, confirmed.GetProperty("guardianId").GetGuid());
        Assert.Equal("domain_typo,no_mail_server", confirmed.GetProperty("data").GetProperty("reasons").GetString());
        Assert.Equal("julia@gmial.com", confirmed.GetProperty("data").GetProperty("email").GetString());
    }

    [Fact]
    public async Task ConfirmSuspectEmail_OnARightAddress_ChangesNothingAndIsNotAudited()
    {
        var facility = await factory.SharedFacilityAsync();
        var childId = await CreateChildAsync(facility);
        var created = await (await _client.PostJsonAsync($"/api/v1/facility/children/{childId}/guardians",
            new { name = "Julia Schneider", relationship = "Mutter", email = $"julia@{DnsServer.MxDomain}", confirmSuspectEmail = true }, facility.AdminToken))
            .ExpectAsync(HttpStatusCode.Created);
        var check = AssertCheck(created, "passed", "mx", []);
        Assert.Equal(JsonValueKind.Null, check.GetProperty("confirmedByStaffId").ValueKind);
        Assert.Equal(0, await factory.WithDbAsync(db => db.AuditEvents.CountAsync(
            e => e.ChildId == childId && e.Action == AuditActions.GuardianSuspectEmailConfirmed)));
    }

    [Fact]
    public async Task ChangeEmail_ToSuspectAddress_Is422_KeepsOldAddressAndPendingPins_UntilConfirmed()
    {
        var facility = await factory.SharedFacilityAsync();
        var guardian = await _client.CreateChildWithGuardianAsync(facility, $"eltern.{Guid.NewGuid():N}@{DnsServer.MxDomain}");
        await factory.CreatePinsAsync(_client, facility, guardian);
        var path = $"/api/v1/facility/children/{guardian.ChildId}/guardians/{guardian.GuardianId}";

        var problem = await (await _client.PatchJsonAsync(path, new { email = $"eltern@{DnsServer.MissingDomain}" }, facility.AdminToken))
            .ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, "email_suspect");
        Assert.Equal(["no_mail_server"], Reasons(problem));
        var unchanged = await (await _client.GetAsync(path, facility.AdminToken)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(guardian.Email, unchanged.GetProperty("email").GetString());
        Assert.Equal("pending", unchanged.GetProperty("pin").GetProperty("status").GetString());
        AssertCheck(unchanged, "passed", "mx", []);

        var changed = await (await _client.PatchJsonAsync(path,
            new { email = $"eltern@{DnsServer.MissingDomain}", confirmSuspectEmail = true }, facility.AdminToken)).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal($"eltern@{DnsServer.MissingDomain}", changed.GetProperty("email").GetString());
        Assert.Equal("revoked", changed.GetProperty("pin").GetProperty("status").GetString());
        AssertCheck(changed, "suspect_confirmed", "none", ["no_mail_server"]);
        Assert.Equal(1, await factory.WithDbAsync(db => db.AuditEvents.CountAsync(
            e => e.GuardianId == guardian.GuardianId && e.Action == AuditActions.GuardianSuspectEmailConfirmed)));
    }

    [Fact]
    public async Task ChangeEmail_ToRightAddress_ReplacesTheStoredCheck()
    {
        var facility = await factory.SharedFacilityAsync();
        var childId = await CreateChildAsync(facility);
        var created = await (await _client.PostJsonAsync($"/api/v1/facility/children/{childId}/guardians",
            new { name = "Julia Schneider", relationship = "Mutter", email = "julia@gmx.dee", confirmSuspectEmail = true }, facility.AdminToken))
            .ExpectAsync(HttpStatusCode.Created);
        AssertCheck(created, "suspect_confirmed", "none", ["tld_typo", "no_mail_server"]);

        var path = $"/api/v1/facility/children/{childId}/guardians/{created.GetProperty("id").GetGuid()}";
        var changed = await (await _client.PatchJsonAsync(path, new { email = $"julia@{DnsServer.AOnlyDomain}" }, facility.AdminToken))
            .ExpectAsync(HttpStatusCode.OK);
        var check = AssertCheck(changed, "passed", "address_record", []);
        Assert.Equal(JsonValueKind.Null, check.GetProperty("suggestion").ValueKind);
        Assert.Equal(JsonValueKind.Null, check.GetProperty("confirmedByStaffId").ValueKind);
    }

    private Task<HttpResponseMessage> CreateGuardianAsync(TestFacility facility, Guid childId, string email) =>
        _client.PostJsonAsync($"/api/v1/facility/children/{childId}/guardians",
            new { name = "Julia Schneider", relationship = "Mutter", email }, facility.AdminToken);

    private async Task<Guid> CreateChildAsync(TestFacility facility)
    {
        var child = await (await _client.PostJsonAsync("/api/v1/facility/children",
            new { firstName = "Mia", lastName = "Schneider", dateOfBirth = "2022-03-14" }, facility.AdminToken)).ExpectAsync(HttpStatusCode.Created);
        return child.GetProperty("id").GetGuid();
    }

    internal static string[] Reasons(JsonElement problem) =>
        problem.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()!).ToArray();

    internal static JsonElement AssertCheck(JsonElement guardian, string result, string mailServer, string[] reasons)
    {
        var check = guardian.GetProperty("emailCheck");
        Assert.Equal(result, check.GetProperty("result").GetString());
        Assert.Equal(mailServer, check.GetProperty("mailServer").GetString());
        Assert.Equal(reasons, check.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()!).ToArray());
        return check;
    }
}

/// <summary>The DNS server does not answer: the address is stored as "could not check", quickly, and never refused for it.</summary>
public sealed class AddressCheckDnsDownTests(DnsDownFactory factory) : IClassFixture<DnsDownFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task CreateGuardian_WhenDnsDoesNotAnswer_IsStoredAsCouldNotCheck_WithinTheTimeout()
    {
        var facility = await factory.SharedFacilityAsync();
        var childId = await CreateChildAsync(facility);

        var watch = Stopwatch.StartNew();
        var created = await (await _client.PostJsonAsync($"/api/v1/facility/children/{childId}/guardians",
            new { name = "Julia Schneider", relationship = "Mutter", email = $"julia@{DnsServer.MxDomain}" }, facility.AdminToken))
            .ExpectAsync(HttpStatusCode.Created);
        watch.Stop();

        AddressCheckTests.AssertCheck(created, "could_not_check", "unknown", []);
        // The DNS budget is 300 ms; the bound is loose for a busy machine (load 40 on 2 cores) but below what a lookup
        // without the budget takes against this silent server (DnsClient's default: 5 s per try, 3 tries).
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"Creating the guardian took {watch.Elapsed}.");
    }

    [Fact]
    public async Task CreateGuardian_WithTypo_WhenDnsDoesNotAnswer_IsStillSuspect_ButNotForTheMailServer()
    {
        var facility = await factory.SharedFacilityAsync();
        var problem = await (await _client.PostJsonAsync($"/api/v1/facility/children/{await CreateChildAsync(facility)}/guardians",
            new { name = "Julia Schneider", relationship = "Mutter", email = "julia@hotmial.com" }, facility.AdminToken))
            .ExpectProblemAsync(HttpStatusCode.UnprocessableEntity, "email_suspect");
        Assert.Equal(["domain_typo"], AddressCheckTests.Reasons(problem));
        Assert.Equal("julia@hotmail.com", problem.GetProperty("suggestion").GetString());
    }

    private async Task<Guid> CreateChildAsync(TestFacility facility)
    {
        var child = await (await _client.PostJsonAsync("/api/v1/facility/children",
            new { firstName = "Mia", lastName = "Schneider", dateOfBirth = "2022-03-14" }, facility.AdminToken)).ExpectAsync(HttpStatusCode.Created);
        return child.GetProperty("id").GetGuid();
    }
}
