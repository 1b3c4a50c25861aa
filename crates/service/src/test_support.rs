//! Test helpers: the Alpaca and gateway forms as the tests of issue 13 typed them, sent
//! through the one generic form path (`add_key_connection`) like the Connect page does.

use crate::error::ServiceError;
use crate::service::BrokerageService;
use brokerdesk_model::{
    AlpacaEnvironment, ApiKeyConnectionArgs, ConnectionSummary, IbkrGatewayArgs, KeyConnectionArgs,
    VendorId,
};

impl BrokerageService {
    pub(crate) async fn add_alpaca(
        &self,
        args: ApiKeyConnectionArgs,
    ) -> Result<ConnectionSummary, ServiceError> {
        let mut fields = std::collections::BTreeMap::new();
        let environment = match args.environment {
            AlpacaEnvironment::Live => "live",
            AlpacaEnvironment::Paper => "paper",
            AlpacaEnvironment::Custom(url) => {
                fields.insert("server_url".to_owned(), url);
                "custom"
            }
        };
        fields.insert("environment".to_owned(), environment.to_owned());
        fields.insert("key_id".to_owned(), args.key_id);
        fields.insert("secret_key".to_owned(), args.secret_key);
        self.add_key_connection(KeyConnectionArgs {
            vendor: VendorId::new("alpaca"),
            fields,
            sandbox: false,
            label: args.label,
        })
        .await
    }

    pub(crate) async fn add_ibkr(
        &self,
        args: IbkrGatewayArgs,
    ) -> Result<ConnectionSummary, ServiceError> {
        let fields = [
            ("gateway_url".to_owned(), args.gateway_url),
            (
                "accept_self_signed".to_owned(),
                args.accept_self_signed.to_string(),
            ),
        ]
        .into();
        self.add_key_connection(KeyConnectionArgs {
            vendor: VendorId::new("ibkr"),
            fields,
            sandbox: false,
            label: String::new(),
        })
        .await
    }
}
