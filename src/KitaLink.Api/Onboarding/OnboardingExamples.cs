using KitaLink.Api.Infrastructure.Http;
using static KitaLink.Api.Infrastructure.Http.OpenApiExamples;

namespace KitaLink.Api.Onboarding;

/// <summary>OpenAPI examples of the onboarding overview.</summary>
internal sealed class OnboardingExamples : IOpenApiExamples
{
    private const string Cursor = "WyJTY2huZWlkZXIiLCJNaWEiLCIwMTkzYTVmMy0xYjJjLTdkM2UtOGY0MC01YTZiN2M4ZDllMGYiLCIwMTkzYTVmMy0zZDRlLTdmNTAtYTE2Mi03YzhkOWUwZjFhMmIiXQ";

    public void AddTo(OpenApiExampleSet examples)
    {
        examples.Responses[typeof(OnboardingOverview)] = new OnboardingOverview(
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
            Cursor);
        examples.InvalidRequests[typeof(OnboardingQuery)] = new OnboardingQuery(null, "done", null, null);
        examples.Parameters["state"] = "mail_failed";
        examples.Parameters["cursor"] = Cursor;
    }
}
