//! What an e-invoice says about its parties: the seller's and buyer's tax codes (MST), and
//! where their signatures go.

use roxmltree::Node;

use crate::document::{path, text_of};

/// The tax codes (MST) an e-invoice states for its seller and buyer
/// (`DLHDon/NDHDon/NBan/MST`, `DLHDon/NDHDon/NMua/MST`), and the paths of their signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceParties {
    /// `/HDon/DSCKS/NBan/Signature` (inside a TDiep message: its path there).
    pub seller_signature: String,
    /// `/HDon/DSCKS/NMua/Signature`.
    pub buyer_signature: String,
    /// The seller's tax code, whitespace removed; `None` when absent or empty.
    pub seller: Option<String>,
    /// The buyer's tax code; `None` for a buyer without one (a private person).
    pub buyer: Option<String>,
}

impl InvoiceParties {
    /// Reads the parties of the invoice `hdon` (see [`crate::find_invoice`]); the invoice data
    /// is its first `DLHDon` child, the one a reader takes.
    pub fn read<'a, 'i>(hdon: &Node<'a, 'i>) -> InvoiceParties {
        fn child<'a, 'i>(n: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
            n.children()
                .find(|c| c.is_element() && c.tag_name().name() == name)
        }
        let content = child(*hdon, "DLHDon").and_then(|d| child(d, "NDHDon"));
        let mst = |party: &str| {
            content
                .and_then(|c| child(c, party))
                .and_then(|p| child(p, "MST"))
                .map(|m| normalize_tax_code(&text_of(&m)))
                .filter(|m| !m.is_empty())
        };
        let base = path(hdon);
        InvoiceParties {
            seller_signature: format!("{base}/DSCKS/NBan/Signature"),
            buyer_signature: format!("{base}/DSCKS/NMua/Signature"),
            seller: mst("NBan"),
            buyer: mst("NMua"),
        }
    }

    /// For the seller's or buyer's signature (by the path of the Signature element), the
    /// party (`seller` or `buyer`) and its tax code; `None` for other signatures and for a
    /// party without a tax code.
    pub fn signing_party(&self, signature_path: &str) -> Option<(&'static str, &str)> {
        if signature_path == self.seller_signature {
            self.seller.as_deref().map(|c| ("seller", c))
        } else if signature_path == self.buyer_signature {
            self.buyer.as_deref().map(|c| ("buyer", c))
        } else {
            None
        }
    }
}

/// A tax code as compared: whitespace removed.
pub fn normalize_tax_code(code: &str) -> String {
    code.chars().filter(|c| !c.is_whitespace()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{document::parse, find_invoice};

    #[test]
    fn reads_the_parties_tax_codes() {
        let text = "<TDiep><DLieu><HDon><DLHDon Id=\"d\"><NDHDon>\
                    <NBan><Ten>A</Ten><MST> 0101234567-199 </MST></NBan>\
                    <NMua><Ten>Khách lẻ</Ten><MST></MST></NMua></NDHDon></DLHDon>\
                    <DSCKS><NBan/></DSCKS></HDon></DLieu></TDiep>";
        let doc = parse(text).ok();
        let parties = doc
            .as_ref()
            .and_then(find_invoice)
            .map(|h| InvoiceParties::read(&h));
        assert_eq!(
            parties,
            Some(InvoiceParties {
                seller_signature: "/TDiep/DLieu/HDon/DSCKS/NBan/Signature".into(),
                buyer_signature: "/TDiep/DLieu/HDon/DSCKS/NMua/Signature".into(),
                seller: Some("0101234567-199".into()),
                buyer: None,
            })
        );
        let parties = parties.unwrap_or_else(|| unreachable!());
        assert_eq!(
            parties.signing_party("/TDiep/DLieu/HDon/DSCKS/NBan/Signature"),
            Some(("seller", "0101234567-199"))
        );
        assert_eq!(
            parties.signing_party("/TDiep/DLieu/HDon/DSCKS/NMua/Signature"),
            None
        );
        assert_eq!(
            parties.signing_party("/TDiep/DLieu/HDon/DSCKS/CQT/Signature"),
            None
        );
    }
}
