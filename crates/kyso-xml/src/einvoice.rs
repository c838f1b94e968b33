//! What an e-invoice says about its parties: the seller's and buyer's tax codes (MST), and
//! where their signatures go.

use roxmltree::{Document, Node};

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

/// The invoices of a document and what is wrong with its structure: a reader takes the
/// invoice data from `HDon/DLHDon` (in a tax-authority message, `TDiep/DLieu/HDon/DLHDon`), so
/// anything that lets two readers take different data fails every signature of the document.
pub(crate) struct Structure<'a, 'i> {
    /// The invoices, each an `HDon` where a reader takes one (the root, or a child of the
    /// message's `DLieu`), in document order.
    pub invoices: Vec<Invoice<'a, 'i>>,
    /// Why readers could take different data (empty when the structure is sound).
    pub problems: Vec<String>,
}

/// One invoice: its `HDon` and the `DLHDon` a reader takes (its first `DLHDon` child).
pub(crate) struct Invoice<'a, 'i> {
    pub hdon: Node<'a, 'i>,
    pub data: Option<Node<'a, 'i>>,
}

/// Reads the invoice structure of a document whose root is `HDon`, or `TDiep` holding an
/// `HDon` somewhere; `None` for other documents. One pass over the document. The rules:
/// - an `HDon` root holds no other `HDon`; a `TDiep` root has exactly one `DLieu` child and
///   every `HDon` is a child of it;
/// - each invoice has exactly one `DLHDon` child, at most one `MCCQT` and at most one `DSCKS`
///   child (counted by local name, whatever the namespace);
/// - no `DLHDon` element sits anywhere but directly under an invoice's `HDon` (a copy moved
///   into a signature's `Object` is the classic wrapping attack).
pub(crate) fn structure<'a, 'i>(doc: &'a Document<'i>) -> Option<Structure<'a, 'i>> {
    let root = doc.root_element();
    let message = match root.tag_name().name() {
        "HDon" => false,
        "TDiep" => true,
        _ => return None,
    };
    let mut invoices: Vec<Invoice<'a, 'i>> = Vec::new();
    // Per invoice: DLHDon, MCCQT, DSCKS children.
    let mut counts: Vec<[u32; 3]> = Vec::new();
    let mut problems = Vec::new();
    let mut dlieu = 0u32;
    let mut any_hdon = false;
    let is_invoice_place = |n: &Node<'_, '_>| {
        if message {
            n.parent_element()
                .is_some_and(|p| p.tag_name().name() == "DLieu" && p.parent_element() == Some(root))
        } else {
            *n == root
        }
    };
    for n in root.descendants().filter(Node::is_element) {
        match n.tag_name().name() {
            "HDon" => {
                any_hdon = true;
                if is_invoice_place(&n) {
                    invoices.push(Invoice {
                        hdon: n,
                        data: None,
                    });
                    counts.push([0; 3]);
                } else {
                    problems.push(format!(
                        "an HDon element at {} besides the invoice{}",
                        path(&n),
                        if message {
                            " (a reader takes /TDiep/DLieu/HDon)"
                        } else {
                            ""
                        }
                    ));
                }
            }
            "DLieu" if message && n.parent_element() == Some(root) => dlieu += 1,
            name @ ("DLHDon" | "MCCQT" | "DSCKS") => {
                let slot = n.parent_element().and_then(|p| {
                    invoices
                        .iter()
                        .rposition(|i| i.hdon == p)
                        .filter(|_| p.tag_name().name() == "HDon")
                });
                let k = match name {
                    "DLHDon" => 0,
                    "MCCQT" => 1,
                    _ => 2,
                };
                match slot {
                    Some(i) => {
                        if let Some(c) = counts.get_mut(i) {
                            c[k] += 1;
                        }
                        if let Some(inv) = invoices.get_mut(i)
                            && k == 0
                            && inv.data.is_none()
                        {
                            inv.data = Some(n);
                        }
                    }
                    None if k == 0 => problems.push(format!(
                        "a DLHDon element at {} outside the invoice's HDon",
                        path(&n)
                    )),
                    None => {}
                }
            }
            _ => {}
        }
    }
    if !any_hdon {
        return None;
    }
    if message && dlieu != 1 {
        problems.push(format!(
            "the message has {dlieu} DLieu elements (a reader takes the invoices from exactly one)"
        ));
    }
    for (inv, c) in invoices.iter().zip(&counts) {
        let at = path(&inv.hdon);
        if c[0] != 1 {
            problems.push(format!(
                "the invoice at {at} has {} DLHDon elements (exactly one is allowed)",
                c[0]
            ));
        }
        if c[1] > 1 {
            problems.push(format!(
                "the invoice at {at} has {} MCCQT elements (at most one is allowed)",
                c[1]
            ));
        }
        if c[2] > 1 {
            problems.push(format!(
                "the invoice at {at} has {} DSCKS elements (at most one is allowed)",
                c[2]
            ));
        }
    }
    Some(Structure { invoices, problems })
}

/// The invoice party a signature signs for: `seller` for `HDon/DSCKS/NBan/Signature`, `buyer`
/// for `HDon/DSCKS/NMua/Signature`, with that party's tax code in `hdon`'s data; `None` for
/// other signatures and parties without a tax code.
pub(crate) fn party_of(sig: &Node<'_, '_>, hdon: &Node<'_, '_>) -> Option<(&'static str, String)> {
    let slot = sig.parent_element()?;
    let dscks = slot.parent_element()?;
    if dscks.tag_name().name() != "DSCKS" || dscks.parent_element() != Some(*hdon) {
        return None;
    }
    let parties = InvoiceParties::read(hdon);
    match slot.tag_name().name() {
        "NBan" => parties.seller.map(|c| ("seller", c)),
        "NMua" => parties.buyer.map(|c| ("buyer", c)),
        _ => None,
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
