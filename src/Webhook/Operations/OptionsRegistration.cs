using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Webhook.Operations;

public static class OptionsRegistration
{
    /// <summary>Binds a section, checks its data annotations at start, and names failures by configuration key.</summary>
    public static OptionsBuilder<T> AddValidatedOptions<T>(this IServiceCollection services, string section) where T : class
    {
        services.AddSingleton<IValidateOptions<T>>(new SectionValidator<T>(section));
        return services.AddOptions<T>().BindConfiguration(section).ValidateOnStart();
    }

    sealed class SectionValidator<T>(string section) : IValidateOptions<T> where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options)
        {
            var results = new List<ValidationResult>();
            if (Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true))
                return ValidateOptionsResult.Success;
            return ValidateOptionsResult.Fail(results.Select(Describe));
        }

        // "Pipeline:Workers: The field Workers must be between 1 and 256." names the key a person sets.
        string Describe(ValidationResult result)
        {
            var message = result.ErrorMessage ?? "is invalid";
            if (message.StartsWith(section + ":", StringComparison.Ordinal)) return message;
            var member = result.MemberNames.FirstOrDefault();
            return member is null ? $"{section}: {message}" : $"{section}:{member}: {message}";
        }
    }
}
