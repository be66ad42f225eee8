using System.Text.Json;
using System.Text.Json.Nodes;
using KitaLink.Api.Accounts;
using KitaLink.Api.Audit;
using KitaLink.Api.Auth;
using KitaLink.Api.Children;
using KitaLink.Api.Facilities;
using KitaLink.Api.Guardians;
using KitaLink.Api.Guardians.AddressCheck;
using KitaLink.Api.Health;
using KitaLink.Api.Infrastructure.Email;
using KitaLink.Api.Links;
using KitaLink.Api.Onboarding;
using KitaLink.Api.Pins;
using KitaLink.Api.Staff;

namespace KitaLink.Api.Infrastructure.Http;

/// <summary>
/// The examples of the OpenAPI document: one consistent story (Kita Sonnenschein, Julia Schneider and her
/// children Mia and Leon), built from the real request and response records and serialised with the
/// service's JSON options, so a renamed field or enum value changes the examples with it. The operation
/// filter refuses to produce a document with a JSON body that has no example here.
/// </summary>
public static class OpenApiExamples
{
    public static readonly Guid FacilityId = Guid.Parse("0193a5f2-7c1e-7b3a-9d4e-2f6a8c1b3d5e");
    public static readonly Guid OperatorId = Guid.Parse("0193a5f1-2d3e-7f40-8a51-6b7c8d9e0f1a");
    public static readonly Guid AdminId = Guid.Parse("0193a5f2-8a10-7c44-a1b2-3c4d5e6f7a80");
    public static readonly Guid EducatorId = Guid.Parse("0193a5f2-8a55-7d10-b2c3-4d5e6f7a8b91");
    public static readonly Guid ChildId = Guid.Parse("0193a5f3-1b2c-7d3e-8f40-5a6b7c8d9e0f");
    public static readonly Guid SiblingId = Guid.Parse("0193a5f3-2c3d-7e4f-9051-6b7c8d9e0f1a");
    public static readonly Guid GuardianId = Guid.Parse("0193a5f3-3d4e-7f50-a162-7c8d9e0f1a2b");
    public static readonly Guid PinPairId = Guid.Parse("0193a5f4-5f60-7172-8384-9e0f1a2b3c4d");
    public static readonly Guid Pin2MessageId = Guid.Parse("0193a5f4-6071-7283-9495-a0f1b2c3d4e5");
    public static readonly Guid AccountId = Guid.Parse("0193a5f5-7182-7394-a5b6-c7d8e9f0a1b2");

    public const string FacilityName = "Kita Sonnenschein";
    public const string ParentEmail = "julia.schneider@example.com";
    public const string ParentPassword = "Sonnenblume-Garten-2026";
    public const string AdminEmail = "anna.becker@kita-sonnenschein.example";
    public const string Pin1 = "7KQ4-M9XD";
    public const string Pin2 = "R3VN-8HWC";
    public const string TraceId = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    private const string AccessToken =
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIwMTkzYTVmNS03MTgyLTczOTQtYTViNi1jN2Q4ZTlmMGExYjIiLCJyb2xlIjoicGFyZW50In0.3q8Bq0m1cYc4x9oQ7nKxV2n5mJb8Zr0tWl6eH1sFkPA";
    private const string StaffAccessToken =
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIwMTkzYTVmMi04YTEwLTdjNDQtYTFiMi0zYzRkNWU2ZjdhODAiLCJyb2xlIjoiYWRtaW4ifQ.Vt5oW1d8sNq3Xk7yZr2cE9bL4mF6hJ0gPa1uTi8vQwE";
    private const string RefreshToken = "kR7wq2VnT9xY4bLm8cZp1sJd6fHg3aQe5uWo0iNt7yE";

    private static readonly DateTimeOffset FacilityCreated = At("2026-11-02T08:00:00Z");
    private static readonly DateTimeOffset ChildCreated = At("2026-11-20T09:00:00Z");
    private static readonly DateTimeOffset PinsCreated = At("2026-11-24T09:15:00Z");
    private static readonly DateTimeOffset PinsExpire = At("2026-12-08T09:15:00Z");
    private static readonly DateTimeOffset Registered = At("2026-11-24T18:42:10Z");
    private static readonly DateTimeOffset SiblingLinked = At("2026-11-25T07:30:00Z");

    private static readonly JsonSerializerOptions s_json = CreateOptions();

    private static readonly StaffResponse Admin = new(AdminId, AdminEmail, "Anna Becker", StaffRole.Admin, FacilityId, FacilityCreated.AddMinutes(5));
    private static readonly StaffResponse Educator = new(EducatorId, "lena.hoffmann@kita-sonnenschein.example", "Lena Hoffmann",
        StaffRole.Educator, FacilityId, At("2026-11-03T07:45:00Z"));
    private static readonly FacilityResponse Facility = new(FacilityId, FacilityName, FacilityCreated, [Admin]);

    private static readonly Pin2DeliveryView DeliveryQueued = new(Pin2MessageId, OutboxMessageStatus.Queued, ParentEmail,
        null, null, 0, PinsCreated, null, null);
    private static readonly Pin2DeliveryView DeliverySent = DeliveryQueued with
    {
        Status = OutboxMessageStatus.Sent,
        Attempts = 1,
        LastAttemptAt = PinsCreated.AddSeconds(3),
        SentAt = PinsCreated.AddSeconds(3),
    };
    private static readonly PinView PinPending = new(PinStatus.Pending, PinPairId, Pin1, PinsExpire, 0, PinsCreated,
        null, null, PinsCreated, DeliverySent);
    private static readonly EmailCheckView EmailPassed = new(EmailCheckResult.Passed, [], null, MailServerCheck.Mx,
        ChildCreated.AddMinutes(2), null);
    private static readonly GuardianView Guardian = new(GuardianId, ChildId, "Julia Schneider", "Mutter", ParentEmail,
        ChildCreated.AddMinutes(2), ChildCreated.AddMinutes(2), PinPending with
        {
            FailedAttempts = 1,
            WrongEmailAttempts = [new WrongEmailAttemptView("ju***@exmaple.com", At("2026-11-24T18:40:02Z"))],
        }, [], EmailPassed);
    private static readonly ChildProfile Child = new(ChildId, "Mia", "Schneider", new DateOnly(2022, 3, 14), "Marienkäfer",
        ChildStatus.Active, ChildCreated, ChildCreated, [Guardian]);

    private static readonly LinkedChildResponse LinkedChild = new(ChildId, "Mia", "Schneider", new DateOnly(2022, 3, 14),
        "Marienkäfer", ChildStatus.Active, new FacilitySummary(FacilityId, FacilityName), Registered, ChildLinkStatus.Active, null, null);
    private static readonly LinkedChildResponse LinkedSibling = new(SiblingId, "Leon", "Schneider", new DateOnly(2020, 9, 2),
        "Igel", ChildStatus.Active, new FacilitySummary(FacilityId, FacilityName), SiblingLinked, ChildLinkStatus.Active, null, null);
    private static readonly TokenResponse Tokens = new(AccessToken, "Bearer", 900, Registered.AddMinutes(15), RefreshToken, Registered.AddDays(30));

    /// <summary>Request bodies by record type.</summary>
    private static readonly Dictionary<Type, object> s_requests = new()
    {
        [typeof(RegisterRequest)] = new RegisterRequest(ParentEmail, ParentPassword, Pin1, Pin2),
        [typeof(CredentialsRequest)] = new CredentialsRequest(ParentEmail, ParentPassword),
        [typeof(RefreshRequest)] = new RefreshRequest(RefreshToken),
        [typeof(LogoutRequest)] = new LogoutRequest(RefreshToken),
        [typeof(PasswordResetRequest)] = new PasswordResetRequest(ParentEmail),
        [typeof(PasswordResetConfirmRequest)] = new PasswordResetConfirmRequest("Xq3vL8pR2mT7wK9zB4nC6dF1gH5jY0sA2eU8iO3aZ7c", "Regenbogen-Wiese-2027"),
        [typeof(DeleteAccountRequest)] = new DeleteAccountRequest(ParentPassword),
        [typeof(ChangePasswordRequest)] = new ChangePasswordRequest(ParentPassword, "Regenbogen-Wiese-2027"),
        [typeof(LinkChildRequest)] = new LinkChildRequest("HZ6P-2TQA", "W8KM-5YRF", null),
        [typeof(CreateFacilityRequest)] = new CreateFacilityRequest(FacilityName),
        [typeof(CreateStaffRequest)] = new CreateStaffRequest(AdminEmail, "Anna Becker", "Sonnenschein-Leitung-2026", FacilityStaffRole.Admin),
        [typeof(CreateChildRequest)] = new CreateChildRequest("Mia", "Schneider", new DateOnly(2022, 3, 14), "Marienkäfer"),
        [typeof(UpdateChildRequest)] = new UpdateChildRequest(Status: ChildStatus.Left),
        [typeof(CreateGuardianRequest)] = new CreateGuardianRequest("Julia Schneider", "Mutter", ParentEmail),
        [typeof(UpdateGuardianRequest)] = new UpdateGuardianRequest(Email: "julia.schneider@example.org"),
    };

    /// <summary>Request bodies that differ per operation (same record, another caller).</summary>
    private static readonly Dictionary<string, object> s_requestsByOperation = new()
    {
        ["createStaffToken"] = new CredentialsRequest(AdminEmail, "Sonnenschein-Leitung-2026"),
        ["createFacilityStaff"] = new CreateStaffRequest("lena.hoffmann@kita-sonnenschein.example", "Lena Hoffmann",
            "Marienkaefer-Gruppe-2026", FacilityStaffRole.Educator),
    };

    /// <summary>Success bodies by record type.</summary>
    private static readonly Dictionary<Type, object> s_responses = new()
    {
        [typeof(RegistrationResponse)] = new RegistrationResponse(new AccountResponse(AccountId, ParentEmail, Registered, 1), LinkedChild, Tokens),
        [typeof(TokenResponse)] = Tokens,
        [typeof(AccountResponse)] = new AccountResponse(AccountId, ParentEmail, Registered, 2),
        [typeof(LinkedChildResponse)] = LinkedChild,
        [typeof(List<LinkedChildResponse>)] = new List<LinkedChildResponse> { LinkedChild, LinkedSibling },
        [typeof(StaffTokenResponse)] = new StaffTokenResponse(StaffAccessToken, "Bearer", PinsCreated.AddHours(1), 3600,
            new StaffProfile(AdminId, AdminEmail, "Anna Becker", StaffRole.Admin, FacilityId)),
        [typeof(FacilityResponse)] = Facility,
        [typeof(FacilityListResponse)] = new FacilityListResponse([Facility]),
        [typeof(StaffResponse)] = Admin,
        [typeof(StaffListResponse)] = new StaffListResponse([Admin, Educator]),
        [typeof(ChildProfile)] = Child,
        [typeof(ChildListResponse)] = new ChildListResponse(
        [
            new ChildSummary(SiblingId, "Leon", "Schneider", new DateOnly(2020, 9, 2), "Igel", ChildStatus.Active, 1, ChildCreated, ChildCreated),
            new ChildSummary(ChildId, "Mia", "Schneider", new DateOnly(2022, 3, 14), "Marienkäfer", ChildStatus.Active, 1, ChildCreated, ChildCreated),
        ], 2, 50, 0),
        [typeof(GuardianView)] = Guardian,
        [typeof(PinsCreatedResponse)] = new PinsCreatedResponse(PinPairId, Pin1, PinsExpire,
            $"/api/v1/facility/children/{ChildId}/guardians/{GuardianId}/pins/letter", DeliveryQueued),
        [typeof(Pin2ReissuedResponse)] = new Pin2ReissuedResponse(PinPairId, PinsExpire, DeliveryQueued with
        {
            MessageId = Guid.Parse("0193a5f6-8293-74a5-b6c7-d8e9f0a1b2c3"),
            QueuedAt = At("2026-11-24T16:05:00Z"),
        }),
        [typeof(ChildEventsResponse)] = new ChildEventsResponse(
        [
            new ChildEvent(1042, Registered, AuditActions.ChildLinked, new AuditActor(AuditActorType.Parent, AccountId, ParentEmail),
                GuardianId, PinPairId, new Dictionary<string, string> { ["accountEmail"] = ParentEmail }),
            new ChildEvent(1031, PinsCreated.AddSeconds(3), AuditActions.Pin2Sent, new AuditActor(AuditActorType.System, null, null),
                GuardianId, PinPairId, new Dictionary<string, string> { ["attempts"] = "1" }),
            new ChildEvent(1030, PinsCreated, AuditActions.PinsCreated, new AuditActor(AuditActorType.Staff, AdminId, "Anna Becker"),
                GuardianId, PinPairId, new Dictionary<string, string>
                {
                    ["expiresAt"] = PinsExpire.ToString("O"),
                    ["pin2SentTo"] = ParentEmail,
                }),
        ], 1030),
        [typeof(HealthResponse)] = new HealthResponse("healthy"),
        [typeof(OnboardingOverview)] = new OnboardingOverview(
            new OnboardingCounts(NoPins: 3, Pending: 12, MailQueued: 1, MailFailed: 1, AddressSuspect: 1, WrongEmailTried: 1, Locked: 0,
                Expired: 2, Linked: 57),
            78,
            [
                new OnboardingItem(SiblingId, "Leon", "Schneider", "Igel", Guid.Parse("0193a5f3-4e5f-7061-b273-8d9e0f1a2b3c"), "Thomas Schneider",
                    "thomas.schneider@example.com", OnboardingState.NoPins, OnboardingAction.CreatePins,
                    OnboardingStates.ActionText(OnboardingState.NoPins, german: false), 0),
                new OnboardingItem(ChildId, "Mia", "Schneider", "Marienkäfer", GuardianId, "Julia Schneider", ParentEmail,
                    OnboardingState.WrongEmailTried, OnboardingAction.CorrectAddressAndCreatePins,
                    OnboardingStates.ActionText(OnboardingState.WrongEmailTried, german: false), 1),
            ],
            "WyJTY2huZWlkZXIiLCJNaWEiLCIwMTkzYTVmMy0xYjJjLTdkM2UtOGY0MC01YTZiN2M4ZDllMGYiLCIwMTkzYTVmMy0zZDRlLTdmNTAtYTE2Mi03YzhkOWUwZjFhMmIiXQ"),
    };

    /// <summary>Success bodies that differ per operation and status.</summary>
    private static readonly Dictionary<(string Operation, int Status), object> s_responsesByOperation = new()
    {
        [("createChild", 201)] = Child with { Guardians = [] },
        [("createGuardian", 201)] = Guardian with { Pin = new PinView(PinStatus.None) },
        [("linkMyChild", 201)] = LinkedSibling,
        [("getReadiness", 200)] = new HealthResponse("healthy", new Dictionary<string, string> { ["database"] = "healthy" }),
        [("getReadiness", 503)] = new HealthResponse("unhealthy", new Dictionary<string, string> { ["database"] = "unhealthy" }),
        [("updateChild", 200)] = Child with { Status = ChildStatus.Left, UpdatedAt = At("2027-07-31T15:00:00Z") },
        [("updateGuardian", 200)] = Guardian with
        {
            Email = "julia.schneider@example.org",
            UpdatedAt = At("2026-11-24T10:02:00Z"),
            EmailCheck = EmailPassed with { MailServer = MailServerCheck.AddressRecord, CheckedAt = At("2026-11-24T10:02:00Z") },
            Pin = PinPending with
            {
                Status = PinStatus.Revoked,
                Pin1 = null,
                ExpiresAt = null,
                EndedAt = At("2026-11-24T10:02:00Z"),
                RevocationReason = PinRevocationReason.EmailChanged,
                FailedAttempts = 0,
                WrongEmailAttempts = [],
            },
        },
        [("createFacilityStaff", 201)] = Educator,
    };

    /// <summary>Invalid inputs whose real validation messages make the <c>validation_failed</c> examples.</summary>
    private static readonly Dictionary<Type, object> s_invalidRequests = new()
    {
        [typeof(RegisterRequest)] = new RegisterRequest("julia.schneider@", "sonnenschein", Pin1, Pin2),
        [typeof(CredentialsRequest)] = new CredentialsRequest(ParentEmail, ""),
        [typeof(CreateGuardianRequest)] = new CreateGuardianRequest("Julia Schneider", "Mutter", "julia.schneider@example"),
        [typeof(CreateStaffRequest)] = new CreateStaffRequest("anna.becker@kita-sonnenschein", "Anna Becker", "password1234", null),
        [typeof(CreateChildRequest)] = new CreateChildRequest("Mia", "", null, "Marienkäfer"),
        [typeof(UpdateChildRequest)] = new UpdateChildRequest(FirstName: " "),
        [typeof(ChildListQuery)] = new ChildListQuery("gone", null, null, 500, null),
        [typeof(ChildEventsQuery)] = new ChildEventsQuery(0, null),
        [typeof(OnboardingQuery)] = new OnboardingQuery(null, "done", null, null),
        [typeof(ChangePasswordRequest)] = new ChangePasswordRequest(ParentPassword, ParentPassword),
        [typeof(PasswordResetConfirmRequest)] = new PasswordResetConfirmRequest("Xq3vL8pR2mT7wK9zB4nC6dF1gH5jY0sA2eU8iO3aZ7c", "kurz"),
        [typeof(UpdateGuardianRequest)] = new UpdateGuardianRequest(Email: "julia.schneider@"),
        [typeof(LinkChildRequest)] = new LinkChildRequest("", "W8KM-5YRF", null),
        [typeof(CreateFacilityRequest)] = new CreateFacilityRequest(""),
        [typeof(DeleteAccountRequest)] = new DeleteAccountRequest(""),
        [typeof(RefreshRequest)] = new RefreshRequest(""),
        [typeof(PasswordResetRequest)] = new PasswordResetRequest(""),
    };

    /// <summary>Validation answers of handlers that check a value themselves.</summary>
    private static readonly Dictionary<string, Dictionary<string, string[]>> s_validationErrorsByOperation = new()
    {
        ["getPinLetter"] = new() { ["lang"] = ["Use \"de\" or \"en\"."] },
    };

    /// <summary>Examples of path and query parameters by name.</summary>
    private static readonly Dictionary<string, object> s_parameters = new()
    {
        ["facilityId"] = FacilityId,
        ["childId"] = ChildId,
        ["guardianId"] = GuardianId,
        ["includeArchived"] = false,
        ["status"] = "active",
        ["search"] = "Schn",
        ["group"] = "Marienkäfer",
        ["limit"] = 50,
        ["offset"] = 0,
        ["before"] = 1030,
        ["lang"] = "de",
        ["state"] = "mail_failed",
        ["cursor"] = "WyJTY2huZWlkZXIiLCJNaWEiLCIwMTkzYTVmMy0xYjJjLTdkM2UtOGY0MC01YTZiN2M4ZDllMGYiLCIwMTkzYTVmMy0zZDRlLTdmNTAtYTE2Mi03YzhkOWUwZjFhMmIiXQ",
    };

    /// <summary>Every request body example (tests check that each passes its validator).</summary>
    internal static IEnumerable<object> AllRequestExamples => s_requests.Values.Concat(s_requestsByOperation.Values);

    /// <summary>The request types with an invalid example for the <c>validation_failed</c> answer.</summary>
    internal static IEnumerable<Type> InvalidRequestTypes => s_invalidRequests.Keys;

    public static JsonNode? Request(string operationId, Type type) =>
        ToNode(s_requestsByOperation.GetValueOrDefault(operationId) ?? s_requests.GetValueOrDefault(type));

    public static JsonNode? Response(string operationId, int status, Type type) =>
        ToNode(s_responsesByOperation.GetValueOrDefault((operationId, status)) ?? s_responses.GetValueOrDefault(type));

    public static JsonNode? Parameter(string name) => ToNode(s_parameters.GetValueOrDefault(name));

    /// <summary>The <c>errors</c> of a validation answer: the validator's real messages for an invalid example.</summary>
    public static IDictionary<string, string[]>? ValidationErrors(string operationId, Type? requestType, IServiceProvider services)
    {
        if (s_validationErrorsByOperation.TryGetValue(operationId, out var fixedErrors))
        {
            return fixedErrors;
        }
        if (requestType is null || !s_invalidRequests.TryGetValue(requestType, out var invalid)
            || services.GetService(typeof(FluentValidation.IValidator<>).MakeGenericType(requestType)) is not FluentValidation.IValidator validator)
        {
            return null;
        }
        var context = (FluentValidation.IValidationContext)Activator.CreateInstance(
            typeof(FluentValidation.ValidationContext<>).MakeGenericType(requestType), invalid)!;
        var result = validator.Validate(context);
        return result.IsValid ? null : result.ToDictionary();
    }

    public static JsonNode? ToNode(object? value) => value is null ? null : JsonSerializer.SerializeToNode(value, value.GetType(), s_json);

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        HttpSetup.Configure(options);
        return options;
    }

    private static DateTimeOffset At(string value) => DateTimeOffset.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
}
