from django import forms

from .search import MAX_QUERY_LENGTH, Criteria


class SearchForm(forms.Form):
    """The search box and its filters; every field optional, a query at most MAX_QUERY_LENGTH characters."""

    q = forms.CharField(
        label="Search papers",
        required=False,
        max_length=MAX_QUERY_LENGTH,
        error_messages={"max_length": f"Please shorten your search to {MAX_QUERY_LENGTH} characters or fewer."},
    )
    category = forms.CharField(label="Category", required=False, max_length=32)
    date_from = forms.DateField(label="Announced from", required=False)
    date_to = forms.DateField(label="to", required=False)

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            raise forms.ValidationError("The start date comes after the end date.")
        return cleaned

    @property
    def criteria(self):
        data = self.cleaned_data
        return Criteria(
            query=data.get("q") or "",
            category=data.get("category") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )
