using System.Net;
using System.Text.RegularExpressions;
using MimeKit;

namespace KitaLink.IntegrationTests.Infrastructure;

/// <summary>A facility with a real admin and a real educator login.</summary>
public sealed record TestFacility(Guid Id, string Name, string AdminToken, string EducatorToken);

public sealed record TestGuardian(Guid FacilityId, Guid ChildId, Guid GuardianId, string Email);

/// <summary>PIN 1 as staff got it, PIN 2 as it arrived at the SMTP peer (both in <c>XXXX-XXXX</c> form).</summary>
public sealed record TestPins(Guid ChildId, Guid GuardianId, string Pin1, string Pin2, DateTimeOffset ExpiresAt);

/// <summary>Sets up facility-side data through the real staff and operator API, for tests of any feature.</summary>
public static partial class StaffApi
{
    public const string StaffPassword = "Staff-Test-Password-2026";

    public static async Task<TestFacility> CreateFacilityAsync(this HttpClient client, string? name = null)
    {
        var operatorToken = await client.OperatorTokenAsync();
        var suffix = Guid.NewGuid().ToString("N")[..12];
        name ??= $"Kita {suffix}";
        var facility = await (await client.PostJsonAsync("/api/v1/facilities", new { name }, operatorToken))
            .ExpectAsync(HttpStatusCode.Created);
        var facilityId = facility.GetProperty("id").GetGuid();

        var adminEmail = $"admin-{suffix}@test.kitalink.example";
        var educatorEmail = $"educator-{suffix}@test.kitalink.example";
        await (await client.PostJsonAsync($"/api/v1/facilities/{facilityId}/staff",
            new { email = adminEmail, displayName = "Anna Admin", password = StaffPassword, role = "admin" }, operatorToken))
            .ExpectAsync(HttpStatusCode.Created);
        await (await client.PostJsonAsync($"/api/v1/facilities/{facilityId}/staff",
            new { email = educatorEmail, displayName = "Eva Educator", password = StaffPassword, role = "educator" }, operatorToken))
            .ExpectAsync(HttpStatusCode.Created);

        return new TestFacility(
            facilityId,
            name,
            await client.StaffTokenAsync(adminEmail, StaffPassword),
            await client.StaffTokenAsync(educatorEmail, StaffPassword));
    }

    public static async Task<TestGuardian> CreateChildWithGuardianAsync(
        this HttpClient client, TestFacility facility, string guardianEmail, string? childFirstName = null,
        bool confirmSuspectEmail = false)
    {
        var child = await (await client.PostJsonAsync("/api/v1/facility/children", new
        {
            firstName = childFirstName ?? "Mia",
            lastName = "Schneider",
            dateOfBirth = DateOnly.FromDateTime(DateTime.UtcNow.AddYears(-3)),
            group = "Marienkäfer",
        }, facility.AdminToken)).ExpectAsync(HttpStatusCode.Created);
        var childId = child.GetProperty("id").GetGuid();
        var guardian = await (await client.PostJsonAsync($"/api/v1/facility/children/{childId}/guardians", new
        {
            name = "Julia Schneider",
            relationship = "Mutter",
            email = guardianEmail,
            confirmSuspectEmail,
        }, facility.AdminToken)).ExpectAsync(HttpStatusCode.Created);
        return new TestGuardian(facility.Id, childId, guardian.GetProperty("id").GetGuid(), guardian.GetProperty("email").GetString()!);
    }

    /// <summary>Creates PINs as the facility admin and reads PIN 2 from the mail that reached the SMTP peer.</summary>
    public static async Task<TestPins> CreatePinsAsync(this KitaLinkFactory factory, HttpClient client, TestFacility facility, TestGuardian guardian)
    {
        var created = await (await client.PostJsonAsync(
            $"/api/v1/facility/children/{guardian.ChildId}/guardians/{guardian.GuardianId}/pins", null, facility.AdminToken))
            .ExpectAsync(HttpStatusCode.Created);
        var mail = await factory.Smtp.WaitForMailAsync(guardian.Email, created.GetProperty("pin2Delivery").GetProperty("messageId").GetGuid());
        return new TestPins(
            guardian.ChildId,
            guardian.GuardianId,
            created.GetProperty("pin1").GetString()!,
            Pin2Of(mail),
            created.GetProperty("expiresAt").GetDateTimeOffset());
    }

    /// <summary>
    /// PIN 2 from the newest mail to <paramref name="email"/>, waiting for it to arrive. With
    /// <paramref name="after"/> (on the service's clock, <c>factory.Time</c>, which stamps the Date header)
    /// only mails dated at or after it count; the header has whole seconds, so <paramref name="after"/> is
    /// truncated to the second.
    /// </summary>
    public static async Task<string> ReadPin2Async(this SmtpPeer smtp, string email, DateTimeOffset? after = null)
    {
        var from = after is { } a ? new DateTimeOffset(a.Ticks - a.Ticks % TimeSpan.TicksPerSecond, a.Offset) : (DateTimeOffset?)null;
        var mail = await smtp.WaitForMessageAsync(email, m => from is null || m.Date >= from.Value);
        return Pin2Of(mail);
    }

    /// <summary>Creates a child (born 2022-05-01) as the facility admin and returns its id.</summary>
    public static async Task<Guid> CreateChildAsync(this HttpClient client, TestFacility facility, string firstName, string lastName, string? group)
    {
        var child = await (await client.PostJsonAsync("/api/v1/facility/children",
            new { firstName, lastName, dateOfBirth = "2022-05-01", group }, facility.AdminToken)).ExpectAsync(HttpStatusCode.Created);
        return child.GetProperty("id").GetGuid();
    }

    public static async Task SetChildStatusAsync(this HttpClient client, TestFacility facility, Guid childId, string status) =>
        await (await client.PatchJsonAsync($"/api/v1/facility/children/{childId}", new { status }, facility.AdminToken))
            .ExpectAsync(HttpStatusCode.OK);

    /// <summary>
    /// Waits for the mail of one outbox message (<c>pin2Delivery.messageId</c> of the staff API), whose
    /// Message-ID header carries that id; other mails to the same address in flight do not count.
    /// </summary>
    public static Task<MimeMessage> WaitForMailAsync(this SmtpPeer smtp, string email, Guid messageId) =>
        smtp.WaitForMessageAsync(email, m => m.MessageId?.StartsWith(messageId.ToString("N"), StringComparison.OrdinalIgnoreCase) == true);

    /// <summary>The PIN in a PIN 2 mail: the only <c>XXXX-XXXX</c> group of the PIN alphabet in its text.</summary>
    public static string Pin2Of(MimeMessage mail)
    {
        var text = mail.TextBody ?? mail.HtmlBody ?? "";
        var pins = PinPattern().Matches(text).Select(m => m.Value).Distinct().ToList();
        Assert.True(pins.Count == 1, $"Expected exactly one PIN in the mail to {mail.To}, found {pins.Count}.");
        return pins[0];
    }

    [GeneratedRegex(@"(?<![A-Z0-9])[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}(?![A-Z0-9])")]
    public static partial Regex PinPattern();
}
