//! Tracking numbers at Twilio (twilio.md §10.3): search, buy, point the webhooks at us, find,
//! release, and join the Messaging Service.

use serde::Deserialize;

use super::{TwilioClient, TwilioError};

/// A number Twilio offers for purchase.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct AvailableNumber {
    pub phone_number: String,
    #[serde(default)]
    pub friendly_name: String,
    #[serde(default)]
    pub locality: Option<String>,
    #[serde(default)]
    pub region: Option<String>,
}

/// A number the account owns.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct IncomingNumber {
    pub sid: String,
    pub phone_number: String,
}

/// The webhook URLs a number points at (twilio.md §13), fragment included.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NumberUrls {
    pub voice_url: String,
    pub sms_url: String,
    pub status_callback: String,
}

impl NumberUrls {
    fn form(&self) -> [(&'static str, &str); 6] {
        [
            ("VoiceUrl", &self.voice_url),
            ("VoiceMethod", "POST"),
            ("SmsUrl", &self.sms_url),
            ("SmsMethod", "POST"),
            ("StatusCallback", &self.status_callback),
            ("StatusCallbackMethod", "POST"),
        ]
    }
}

#[derive(Deserialize)]
struct AvailableList {
    #[serde(default)]
    available_phone_numbers: Vec<AvailableNumber>,
}

#[derive(Deserialize)]
struct IncomingList {
    #[serde(default)]
    incoming_phone_numbers: Vec<IncomingNumber>,
}

/// Twilio says the number was taken by someone else meanwhile.
pub fn is_number_unavailable(err: &TwilioError) -> bool {
    matches!(err.code(), Some(21422) | Some(21452))
}

impl TwilioClient {
    /// Local numbers with voice and SMS in `country` (`US` or `CA`), optionally in an area code.
    pub async fn available_local(
        &self,
        country: &str,
        area_code: Option<&str>,
    ) -> Result<Vec<AvailableNumber>, TwilioError> {
        let url = self.account_url(&format!("/AvailablePhoneNumbers/{country}/Local.json"))?;
        let mut query = vec![
            ("SmsEnabled", "true"),
            ("VoiceEnabled", "true"),
            ("PageSize", "5"),
        ];
        if let Some(code) = area_code {
            query.push(("AreaCode", code));
        }
        let list: AvailableList = self.send(self.http.get(url).query(&query)).await?;
        Ok(list.available_phone_numbers)
    }

    pub async fn buy_number(
        &self,
        phone_number: &str,
        friendly_name: &str,
        urls: &NumberUrls,
    ) -> Result<IncomingNumber, TwilioError> {
        let url = self.account_url("/IncomingPhoneNumbers.json")?;
        let mut form = vec![
            ("PhoneNumber", phone_number),
            ("FriendlyName", friendly_name),
        ];
        form.extend(urls.form());
        self.send(self.http.post(url).form(&form)).await
    }

    /// Points an owned number's webhooks at this app.
    pub async fn update_number_urls(
        &self,
        sid: &str,
        urls: &NumberUrls,
    ) -> Result<IncomingNumber, TwilioError> {
        let url = self.account_url(&format!("/IncomingPhoneNumbers/{sid}.json"))?;
        self.send(self.http.post(url).form(&urls.form())).await
    }

    /// An owned number, by E.164 (`PhoneNumber` filter) or by `PN…` SID.
    pub async fn find_number(
        &self,
        e164_or_sid: &str,
    ) -> Result<Option<IncomingNumber>, TwilioError> {
        if e164_or_sid.starts_with("PN") {
            let url = self.account_url(&format!("/IncomingPhoneNumbers/{e164_or_sid}.json"))?;
            return match self.send(self.http.get(url)).await {
                Ok(number) => Ok(Some(number)),
                Err(err) if err.status() == Some(404) => Ok(None),
                Err(err) => Err(err),
            };
        }
        let url = self.account_url("/IncomingPhoneNumbers.json")?;
        let list: IncomingList = self
            .send(self.http.get(url).query(&[("PhoneNumber", e164_or_sid)]))
            .await?;
        Ok(list.incoming_phone_numbers.into_iter().next())
    }

    /// Stops paying for a number. A number already gone counts as released.
    pub async fn release_number(&self, sid: &str) -> Result<(), TwilioError> {
        let url = self.account_url(&format!("/IncomingPhoneNumbers/{sid}.json"))?;
        match self.send_raw(self.http.delete(url)).await {
            Ok(_) => Ok(()),
            Err(err) if err.status() == Some(404) => Ok(()),
            Err(err) => Err(err),
        }
    }

    /// Deletes a call recording (business deletion, twilio.md §10.4); already gone counts as done.
    pub async fn delete_recording(&self, recording_sid: &str) -> Result<(), TwilioError> {
        let url = self.account_url(&format!("/Recordings/{recording_sid}.json"))?;
        match self.send_raw(self.http.delete(url)).await {
            Ok(_) => Ok(()),
            Err(err) if err.status() == Some(404) => Ok(()),
            Err(err) => Err(err),
        }
    }

    /// Adds a number to the configured Messaging Service; already being in it is success.
    pub async fn add_to_messaging_service(&self, number_sid: &str) -> Result<(), TwilioError> {
        let Some(service) = &self.messaging_service_sid else {
            return Ok(());
        };
        let url = self.messaging_url(&format!("/v1/Services/{service}/PhoneNumbers"));
        match self
            .send_raw(self.http.post(url).form(&[("PhoneNumberSid", number_sid)]))
            .await
        {
            Ok(_) => Ok(()),
            Err(err) if err.status() == Some(409) || err.code() == Some(21710) => Ok(()),
            Err(err) => Err(err),
        }
    }
}
