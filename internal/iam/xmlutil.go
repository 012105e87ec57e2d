package iam

import "encoding/xml"

// encodeFields writes start with one child element per (name, value).
func encodeFields(e *xml.Encoder, start xml.StartElement, fields [][2]string) error {
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	for _, f := range fields {
		if err := e.EncodeElement(f[1], xml.StartElement{Name: xml.Name{Local: f[0]}}); err != nil {
			return err
		}
	}
	return e.EncodeToken(start.End())
}

func (e emptyXML) MarshalXML(enc *xml.Encoder, start xml.StartElement) error {
	if err := enc.EncodeToken(start); err != nil {
		return err
	}
	if err := enc.EncodeElement("", xml.StartElement{Name: xml.Name{Local: e.name}}); err != nil {
		return err
	}
	if err := enc.EncodeElement(false, xml.StartElement{Name: xml.Name{Local: "IsTruncated"}}); err != nil {
		return err
	}
	return enc.EncodeToken(start.End())
}
