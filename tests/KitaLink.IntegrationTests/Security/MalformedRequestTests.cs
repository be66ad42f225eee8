using System.Net;
using System.Text;
using KitaLink.Api.Infrastructure.Email;
using KitaLink.IntegrationTests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static KitaLink.IntegrationTests.Pins.PinTestSupport;

namespace KitaLink.IntegrationTests.Security;

/// <summary>
/// A facility with a child, a guardian with pending PINs, and a registered parent (another child), made
/// once for the whole catalog; every mail is out before the first case runs, so nothing moves in the
/// database but what a request does.
/// </summary>
public sealed class MalformedRequestsFactory : KitaLinkFactory
{
    public TestFacility Facility { get; private set; } = null!;
    public TestGuardian Guardian { get; private set; } = null!;
    public string OperatorToken { get; private set; } = "";
    public ParentSession Parent { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var client = CreateClient();
        OperatorToken = await client.OperatorTokenAsync();
        Facility = await client.CreateFacilityAsync();
        Guardian = await client.CreateChildWithGuardianAsync(Facility, ParentApi.UniqueEmail());
        await (await client.PostJsonAsync(PinsPath(Guardian), null, Facility.AdminToken)).ExpectAsync(HttpStatusCode.Created);
        var parentEmail = ParentApi.UniqueEmail();
        Parent = await client.RegisterAsync(parentEmail, await this.IssuePinsAsync(parentEmail, Facility));
        await client.WaitForDeliveryAsync(Facility.AdminToken, Guardian, "sent");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (await this.QueryDbAsync(db => db.OutboxMessages.AnyAsync(m => m.Status != OutboxMessageStatus.Sent || m.LeasedUntil != null)))
        {
            Assert.True(DateTime.UtcNow < deadline, "The outbox did not settle.");
            await Task.Delay(100);
        }
    }
}

/// <summary>
/// A catalog of malformed requests over the public and the authenticated endpoints: broken JSON, wrong
/// types, huge strings, control characters, SQL and script injection, look-alike emails, negative and huge
/// numbers, missing and extra fields, wrong content types, null bodies. Each one gets a 4xx problem with a
/// <c>code</c>, never a 5xx, and leaves every table exactly as it was.
/// </summary>
public sealed class MalformedRequestTests(MalformedRequestsFactory factory) : IClassFixture<MalformedRequestsFactory>
{
    public enum Caller
    {
        Anonymous,
        Parent,
        Admin,
        Operator,
    }

    /// <param name="Path">May contain <c>{child}</c>, <c>{guardian}</c> (the guardian's path) and <c>{facility}</c>.</param>
    /// <param name="Body">Sent as is; null sends no body.</param>
    /// <param name="ContentType">The declared media type of <paramref name="Body"/>; empty sends none.</param>
    public sealed record Case(
        string Method,
        string Path,
        Caller Caller,
        string? Body,
        int Status,
        string Code,
        string ContentType = "application/json",
        byte[]? RawBody = null);

    private const string Pin = "ABCD-EFGH";
    private const string Password = "Sonnenblumen-Gartenzaun-2026";
    private const string Cyrillic = "eltern@gm\u0430il.com";
    private const string Sql = "' OR '1'='1' --";
    private const string SqlDrop = "Robert'); DROP TABLE children;--";
    private const string Script = "<script>alert(1)</script>";
    private static readonly string s_huge = new('x', 10_000);
    private static readonly string s_oversized = new('x', 70_000);

    private static string J(object value) => System.Text.Json.JsonSerializer.Serialize(value);

    private static string Register(string email = "eltern@example.org", string password = Password, string pin1 = Pin, string pin2 = Pin) =>
        J(new { email, password, pin1, pin2 });

    private static string Login(string email = "eltern@example.org", string password = Password) => J(new { email, password });

    private static string Child(string firstName = "Mia", string lastName = "Schneider", string dateOfBirth = "2022-05-01", string? group = null) =>
        J(new { firstName, lastName, dateOfBirth, group });

    private static string Guardian(string name = "Julia Schneider", string relationship = "Mutter", string email = "julia@example.org") =>
        J(new { name, relationship, email });

    private static string Staff(string email = "neu@example.org", string displayName = "Neue Kollegin", string password = Password, string role = "educator") =>
        J(new { email, displayName, password, role });

    private const string Accounts = "/api/v1/accounts";
    private const string Token = "/api/v1/auth/token";
    private const string StaffToken = "/api/v1/staff/auth/token";
    private const string Refresh = "/api/v1/auth/refresh";
    private const string Reset = "/api/v1/auth/password-reset";
    private const string ResetConfirm = "/api/v1/auth/password-reset/confirm";
    private const string MyChildren = "/api/v1/me/children";
    private const string Children = "/api/v1/facility/children";
    private const string V = "validation_failed";

    public static readonly IReadOnlyDictionary<string, Case> Catalog = new Dictionary<string, Case>
    {
        // Registration: the body as such.
        ["register: JSON cut off"] = new("POST", Accounts, Caller.Anonymous, """{"email":"eltern@example.org","password":""", 400, V),
        ["register: form data declared as JSON"] = new("POST", Accounts, Caller.Anonymous, "email=eltern%40example.org&password=x", 400, V),
        ["register: empty body"] = new("POST", Accounts, Caller.Anonymous, "", 400, V),
        ["register: null body"] = new("POST", Accounts, Caller.Anonymous, "null", 400, V),
        ["register: array body"] = new("POST", Accounts, Caller.Anonymous, "[]", 400, V),
        ["register: string body"] = new("POST", Accounts, Caller.Anonymous, "\"eltern@example.org\"", 400, V),
        ["register: trailing comma"] = new("POST", Accounts, Caller.Anonymous, Register()[..^1] + ",}", 400, V),
        ["register: comment"] = new("POST", Accounts, Caller.Anonymous, "/* hi */" + Register(), 400, V),
        ["register: 200 levels of nesting"] = new("POST", Accounts, Caller.Anonymous, """{"email":""" + new string('[', 200) + new string(']', 200) + "}", 400, V),
        ["register: invalid UTF-8"] = new("POST", Accounts, Caller.Anonymous, null, 400, V,
            RawBody: [.. Encoding.UTF8.GetBytes("""{"email":"eltern"""), 0xC3, 0x28, .. Encoding.UTF8.GetBytes("""@example.org","password":"x","pin1":"x","pin2":"x"}""")]),
        ["register: lone surrogate"] = new("POST", Accounts, Caller.Anonymous, Register()[..^1].Replace("eltern@", "elt\\ud800ern@", StringComparison.Ordinal) + "}", 400, V),
        ["register: text/plain"] = new("POST", Accounts, Caller.Anonymous, Register(), 415, "unsupported_media_type", "text/plain"),
        ["register: form content type"] = new("POST", Accounts, Caller.Anonymous, "email=eltern%40example.org", 415, "unsupported_media_type", "application/x-www-form-urlencoded"),
        ["register: no content type"] = new("POST", Accounts, Caller.Anonymous, Register(), 415, "unsupported_media_type", ""),
        ["register: XML"] = new("POST", Accounts, Caller.Anonymous, "<register><email>a@b.de</email></register>", 415, "unsupported_media_type", "application/xml"),
        ["register: body over 64 KiB"] = new("POST", Accounts, Caller.Anonymous, Register(password: s_oversized), 413, "payload_too_large"),
        // Registration: the fields.
        ["register: email is a number"] = new("POST", Accounts, Caller.Anonymous, """{"email":123,"password":"Sonnenblumen-Gartenzaun-2026","pin1":"ABCD-EFGH","pin2":"ABCD-EFGH"}""", 400, V),
        ["register: pin1 is a boolean"] = new("POST", Accounts, Caller.Anonymous, """{"email":"eltern@example.org","password":"Sonnenblumen-Gartenzaun-2026","pin1":true,"pin2":"ABCD-EFGH"}""", 400, V),
        ["register: password is an object"] = new("POST", Accounts, Caller.Anonymous, """{"email":"eltern@example.org","password":{"value":"x"},"pin1":"ABCD-EFGH","pin2":"ABCD-EFGH"}""", 400, V),
        ["register: pin2 missing"] = new("POST", Accounts, Caller.Anonymous, J(new { email = "eltern@example.org", password = Password, pin1 = Pin }), 400, V),
        ["register: every field missing"] = new("POST", Accounts, Caller.Anonymous, "{}", 400, V),
        ["register: every field null"] = new("POST", Accounts, Caller.Anonymous, """{"email":null,"password":null,"pin1":null,"pin2":null}""", 400, V),
        // Create requests ignore unknown members (never bound): the PINs are checked as without the member.
        ["register: extra role field"] = new("POST", Accounts, Caller.Anonymous, Register(pin1: Sql)[..^1] + ""","role":"operator"}""", 422, "pins_invalid"),
        ["register: unknown member twice"] = new("POST", Accounts, Caller.Anonymous, Register(pin1: Sql)[..^1] + ""","note":"a","note":"b"}""", 400, V),
        ["register: NUL in an unknown member"] = new("POST", Accounts, Caller.Anonymous, Register()[..^1] + ""","note":"a\u0000b"}""", 400, V),
        ["register: email twice"] = new("POST", Accounts, Caller.Anonymous, Register()[..^1] + ""","email":"other@example.org"}""", 400, V),
        ["register: 10,000-character email"] = new("POST", Accounts, Caller.Anonymous, Register(email: s_huge + "@example.org"), 400, V),
        ["register: NUL in the email"] = new("POST", Accounts, Caller.Anonymous, Register(email: "elt\0ern@example.org"), 400, V),
        ["register: bell character in the email"] = new("POST", Accounts, Caller.Anonymous, Register(email: "elt\aern@example.org"), 400, V),
        ["register: Cyrillic look-alike domain"] = new("POST", Accounts, Caller.Anonymous, Register(email: Cyrillic), 400, V),
        ["register: SQL injection as email"] = new("POST", Accounts, Caller.Anonymous, Register(email: Sql), 400, V),
        ["register: script as email"] = new("POST", Accounts, Caller.Anonymous, Register(email: Script + "@example.org"), 400, V),
        ["register: too short password"] = new("POST", Accounts, Caller.Anonymous, Register(password: "kurz"), 400, V),
        ["register: SQL injection as PIN 1"] = new("POST", Accounts, Caller.Anonymous, Register(pin1: Sql), 422, "pins_invalid"),
        ["register: script as PIN 2"] = new("POST", Accounts, Caller.Anonymous, Register(pin2: Script), 422, "pins_invalid"),
        // Sign-in, refresh, reset.
        ["login: JSON cut off"] = new("POST", Token, Caller.Anonymous, """{"email":""", 400, V),
        ["login: email is an array"] = new("POST", Token, Caller.Anonymous, """{"email":["a@b.de"],"password":"x"}""", 400, V),
        ["login: password missing"] = new("POST", Token, Caller.Anonymous, J(new { email = "eltern@example.org" }), 400, V),
        ["login: SQL injection as email"] = new("POST", Token, Caller.Anonymous, Login(email: "admin' --"), 400, V),
        ["login: Cyrillic look-alike domain"] = new("POST", Token, Caller.Anonymous, Login(email: Cyrillic), 400, V),
        ["login: NUL in the email"] = new("POST", Token, Caller.Anonymous, Login(email: "a\0@example.org"), 400, V),
        ["login: 10,000-character password"] = new("POST", Token, Caller.Anonymous, Login(password: s_huge), 400, V),
        ["login: extra field"] = new("POST", Token, Caller.Anonymous, Login()[..^1] + ""","rememberMe":true}""", 400, V),
        ["staff login: header injection in the email"] = new("POST", StaffToken, Caller.Anonymous, Login(email: "a@example.org\r\nBcc: evil@example.org"), 400, V),
        ["staff login: Cyrillic look-alike domain"] = new("POST", StaffToken, Caller.Anonymous, Login(email: Cyrillic), 400, V),
        ["staff login: null body"] = new("POST", StaffToken, Caller.Anonymous, "null", 400, V),
        ["refresh: token is a number"] = new("POST", Refresh, Caller.Anonymous, """{"refreshToken":42}""", 400, V),
        ["refresh: empty token"] = new("POST", Refresh, Caller.Anonymous, """{"refreshToken":""}""", 400, V),
        ["refresh: 10,000-character token"] = new("POST", Refresh, Caller.Anonymous, J(new { refreshToken = s_huge }), 400, V),
        ["reset: SQL injection as email"] = new("POST", Reset, Caller.Anonymous, J(new { email = Sql }), 400, V),
        ["reset: Cyrillic look-alike domain"] = new("POST", Reset, Caller.Anonymous, J(new { email = Cyrillic }), 400, V),
        ["reset: email missing"] = new("POST", Reset, Caller.Anonymous, "{}", 400, V),
        ["reset confirm: token missing"] = new("POST", ResetConfirm, Caller.Anonymous, J(new { newPassword = Password }), 400, V),
        ["reset confirm: common new password"] = new("POST", ResetConfirm, Caller.Anonymous, J(new { token = "abc", newPassword = "password1234" }), 400, V),
        ["reset confirm: NUL in the token"] = new("POST", ResetConfirm, Caller.Anonymous, J(new { token = "abc\0def", newPassword = Password }), 400, V),
        // The signed-in parent.
        ["link: replacesChildId is no GUID"] = new("POST", MyChildren, Caller.Parent, """{"pin1":"ABCD-EFGH","pin2":"ABCD-EFGH","replacesChildId":"1 OR 1=1"}""", 400, V),
        ["link: replacesChildId is a number"] = new("POST", MyChildren, Caller.Parent, """{"pin1":"ABCD-EFGH","pin2":"ABCD-EFGH","replacesChildId":42}""", 400, V),
        ["link: replacesChildId is the empty GUID"] = new("POST", MyChildren, Caller.Parent, J(new { pin1 = Pin, pin2 = Pin, replacesChildId = Guid.Empty }), 400, V),
        ["link: extra accountId field"] = new("POST", MyChildren, Caller.Parent, J(new { pin1 = Sql, pin2 = Pin, accountId = Guid.NewGuid() }), 422, "pins_invalid"),
        ["update child: unknown member"] = new("PATCH", "{child}", Caller.Admin, """{"stauts":"left"}""", 400, V),
        ["link: SQL injection as PIN 1"] = new("POST", MyChildren, Caller.Parent, J(new { pin1 = Sql, pin2 = Pin }), 422, "pins_invalid"),
        ["my child: id is no GUID"] = new("GET", MyChildren + "/1%20OR%201=1", Caller.Parent, null, 404, "not_found"),
        ["my children: includeArchived is no boolean"] = new("GET", MyChildren + "?includeArchived=maybe", Caller.Parent, null, 400, V),
        ["delete me: no body"] = new("DELETE", "/api/v1/me", Caller.Parent, null, 400, V),
        ["delete me: password is a number"] = new("DELETE", "/api/v1/me", Caller.Parent, """{"password":12345678901234}""", 400, V),
        ["change password: 200-character new password"] = new("POST", "/api/v1/me/password", Caller.Parent, J(new { currentPassword = Password, newPassword = new string('k', 200) }), 400, V),
        ["change password: new equals current"] = new("POST", "/api/v1/me/password", Caller.Parent, J(new { currentPassword = Password, newPassword = Password }), 400, V),
        ["me: PUT is no method here"] = new("PUT", "/api/v1/me", Caller.Parent, "{}", 405, "method_not_allowed"),
        // Facility staff: children.
        ["child: date of birth is no date"] = new("POST", Children, Caller.Admin, Child(dateOfBirth: "not-a-date"), 400, V),
        ["child: date of birth in the future"] = new("POST", Children, Caller.Admin, Child(dateOfBirth: "2999-01-01"), 400, V),
        ["child: born in 1900"] = new("POST", Children, Caller.Admin, Child(dateOfBirth: "1900-01-01"), 400, V),
        ["child: date of birth is a number"] = new("POST", Children, Caller.Admin, """{"firstName":"Mia","lastName":"Schneider","dateOfBirth":20220501}""", 400, V),
        ["child: SQL injection as first name"] = new("POST", Children, Caller.Admin, Child(firstName: SqlDrop), 400, V),
        ["child: script as last name"] = new("POST", Children, Caller.Admin, Child(lastName: Script), 400, V),
        ["child: bell character in the name"] = new("POST", Children, Caller.Admin, Child(firstName: "Mi\aa"), 400, V),
        ["child: 5,000-character name"] = new("POST", Children, Caller.Admin, Child(lastName: new string('a', 5000)), 400, V),
        ["child: NUL in the group"] = new("POST", Children, Caller.Admin, Child(group: "Igel\0"), 400, V),
        ["child: SQL injection as group"] = new("POST", Children, Caller.Admin, Child(group: "Igel'; DELETE FROM children; --"), 400, V),
        ["update child: unknown status"] = new("PATCH", "{child}", Caller.Admin, """{"status":"deleted"}""", 400, V),
        ["update child: status as number"] = new("PATCH", "{child}", Caller.Admin, """{"status":1}""", 400, V),
        ["update child: empty first name"] = new("PATCH", "{child}", Caller.Admin, """{"firstName":""}""", 400, V),
        ["update child: script as first name"] = new("PATCH", "{child}", Caller.Admin, J(new { firstName = Script }), 400, V),
        ["child list: negative limit"] = new("GET", Children + "?limit=-1", Caller.Admin, null, 400, V),
        ["child list: limit 0"] = new("GET", Children + "?limit=0", Caller.Admin, null, 400, V),
        ["child list: limit beyond int"] = new("GET", Children + "?limit=99999999999", Caller.Admin, null, 400, V),
        ["child list: limit 10,000"] = new("GET", Children + "?limit=10000", Caller.Admin, null, 400, V),
        ["child list: cursor is not one the list issued"] = new("GET", Children + "?cursor=abc", Caller.Admin, null, 400, V),
        ["child list: cursor with characters outside base64url"] = new("GET", Children + "?cursor=%27%3B--", Caller.Admin, null, 400, V),
        ["child list: unknown status"] = new("GET", Children + "?status=deleted", Caller.Admin, null, 400, V),
        ["child list: NUL in the search"] = new("GET", Children + "?search=Mia%00", Caller.Admin, null, 400, V),
        ["child list: 500-character search"] = new("GET", Children + "?search=" + new string('a', 500), Caller.Admin, null, 400, V),
        ["child: id is no GUID"] = new("GET", Children + "/%27%20OR%201=1", Caller.Admin, null, 404, "not_found"),
        ["events: limit 100,000"] = new("GET", "{child}/events?limit=100000", Caller.Admin, null, 400, V),
        ["events: cursor of another list"] = new("GET", "{child}/events?cursor=eyJMIjoiY2hpbGRyZW4iLCJQIjp7Ikxhc3ROYW1lIjoiQSIsIkZpcnN0TmFtZSI6IkIiLCJJZCI6IjAwMDAwMDAwLTAwMDAtMDAwMC0wMDAwLTAwMDAwMDAwMDAwMCJ9fQ", Caller.Admin, null, 400, V),
        ["events: cursor is garbage"] = new("GET", "{child}/events?cursor=9223372036854775808", Caller.Admin, null, 400, V),
        // Facility staff: guardians and PINs.
        ["guardian: Cyrillic look-alike domain"] = new("POST", "{child}/guardians", Caller.Admin, Guardian(email: Cyrillic), 400, V),
        ["guardian: email with a display name"] = new("POST", "{child}/guardians", Caller.Admin, Guardian(email: "Eve <eve@example.org>"), 400, V),
        ["guardian: email with two @"] = new("POST", "{child}/guardians", Caller.Admin, Guardian(email: "eve@evil@example.org"), 400, V),
        ["guardian: SQL injection in the email"] = new("POST", "{child}/guardians", Caller.Admin, Guardian(email: "x';DROP TABLE guardians;--@example.org"), 400, V),
        ["guardian: header injection in the email"] = new("POST", "{child}/guardians", Caller.Admin, Guardian(email: "julia@example.org\r\nBcc: evil@example.org"), 400, V),
        ["guardian: script as name"] = new("POST", "{child}/guardians", Caller.Admin, Guardian(name: Script), 400, V),
        ["guardian: SQL injection as relationship"] = new("POST", "{child}/guardians", Caller.Admin, Guardian(relationship: "Mutter' OR '1'='1"), 400, V),
        ["guardian: email missing"] = new("POST", "{child}/guardians", Caller.Admin, J(new { name = "Julia Schneider", relationship = "Mutter" }), 400, V),
        ["update guardian: Cyrillic look-alike domain"] = new("PATCH", "{guardian}", Caller.Admin, J(new { email = Cyrillic }), 400, V),
        ["update guardian: email is a number"] = new("PATCH", "{guardian}", Caller.Admin, """{"email":42}""", 400, V),
        ["letter: unknown language"] = new("GET", "{guardian}/pins/letter?lang=fr", Caller.Admin, null, 400, V),
        ["letter: script as language"] = new("GET", "{guardian}/pins/letter?lang=%3Cscript%3E", Caller.Admin, null, 400, V),
        ["staff: role as number"] = new("POST", "/api/v1/facility/staff", Caller.Admin, """{"email":"neu@example.org","displayName":"Neu","password":"Sonnenblumen-Gartenzaun-2026","role":1}""", 400, V),
        ["staff: role operator"] = new("POST", "/api/v1/facility/staff", Caller.Admin, Staff(role: "operator"), 400, V),
        // Operator.
        ["facility: SQL injection as name"] = new("POST", "/api/v1/facilities", Caller.Operator, J(new { name = SqlDrop }), 400, V),
        ["facility: 10,000-character name"] = new("POST", "/api/v1/facilities", Caller.Operator, J(new { name = s_huge }), 400, V),
        ["facility: name missing"] = new("POST", "/api/v1/facilities", Caller.Operator, "{}", 400, V),
        ["facility staff: Cyrillic look-alike domain"] = new("POST", "/api/v1/facilities/{facility}/staff", Caller.Operator, Staff(email: Cyrillic), 400, V),
        ["facility staff: role superadmin"] = new("POST", "/api/v1/facilities/{facility}/staff", Caller.Operator, Staff(role: "superadmin"), 400, V),
        ["facility staff: common password"] = new("POST", "/api/v1/facilities/{facility}/staff", Caller.Operator, Staff(password: "password1234"), 400, V),
        ["facility staff: script as display name"] = new("POST", "/api/v1/facilities/{facility}/staff", Caller.Operator, Staff(displayName: Script), 400, V),
        ["facility: id is no GUID"] = new("GET", "/api/v1/facilities/not-a-guid", Caller.Operator, null, 404, "not_found"),
    };

    public static TheoryData<string> CaseNames => [.. Catalog.Keys];

    [Fact]
    public void Catalog_HasAtLeastSixtyCases() => Assert.True(Catalog.Count >= 60, $"{Catalog.Count} cases");

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task MalformedRequest_Gets4xxProblemWithCode_AndChangesNothing(string name)
    {
        var @case = Catalog[name];
        var client = factory.CreateClient();
        var request = new HttpRequestMessage(new HttpMethod(@case.Method), Expand(@case.Path));
        var token = @case.Caller switch
        {
            Caller.Parent => factory.Parent.AccessToken,
            Caller.Admin => factory.Facility.AdminToken,
            Caller.Operator => factory.OperatorToken,
            _ => null,
        };
        if (token is not null)
        {
            request.Headers.Authorization = new("Bearer", token);
        }
        if (@case.RawBody is not null || @case.Body is not null)
        {
            request.Content = new ByteArrayContent(@case.RawBody ?? Encoding.UTF8.GetBytes(@case.Body!));
            request.Content.Headers.ContentType = @case.ContentType.Length == 0 ? null : new(@case.ContentType);
        }
        var before = await factory.DatabaseFingerprintAsync();

        var response = await client.SendAsync(request);

        var problem = await response.ExpectProblemAsync((HttpStatusCode)@case.Status, @case.Code);
        Assert.InRange((int)response.StatusCode, 400, 499);
        Assert.DoesNotContain("Exception", problem.ToString(), StringComparison.Ordinal);
        DatabaseFingerprint.AssertUnchanged(before, await factory.DatabaseFingerprintAsync(), name);
    }

    private string Expand(string path) => path
        .Replace("{child}", $"{Children}/{factory.Guardian.ChildId}", StringComparison.Ordinal)
        .Replace("{guardian}", GuardianPath(factory.Guardian), StringComparison.Ordinal)
        .Replace("{facility}", factory.Facility.Id.ToString(), StringComparison.Ordinal);
}
